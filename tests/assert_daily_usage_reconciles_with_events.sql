-- The daily facts add up to the event table: per day, the events of account-attributed
-- events equal the sum over features, modules and products. Returns the days that differ.
with events as (
    select
        event_date as usage_date,
        count(*) as event_count,
        sum(quantity) as quantity
    from {{ ref('fct_usage_events') }}
    where account_id is not null
    group by event_date
),

features as (
    select
        usage_date,
        sum(event_count) as event_count,
        sum(quantity) as quantity
    from {{ ref('fct_account_daily_usage') }}
    group by usage_date
),

modules as (
    select
        usage_date,
        sum(event_count) as event_count
    from {{ ref('fct_account_daily_module_usage') }}
    group by usage_date
),

products as (
    select
        usage_date,
        sum(event_count) as event_count
    from {{ ref('fct_account_daily_product_usage') }}
    group by usage_date
),

user_events as (
    select
        event_date as usage_date,
        count(*) as event_count
    from {{ ref('fct_usage_events') }}
    where user_id is not null
    group by event_date
),

users as (
    select
        usage_date,
        sum(event_count) as event_count
    from {{ ref('fct_user_daily_usage') }}
    group by usage_date
),

compared as (
    select
        events.event_count,
        features.event_count as feature_event_count,
        modules.event_count as module_event_count,
        products.event_count as product_event_count,
        events.quantity,
        features.quantity as feature_quantity,
        coalesce(events.usage_date, features.usage_date) as usage_date
    from events
    full outer join features
        on events.usage_date = features.usage_date
    left join modules
        on coalesce(events.usage_date, features.usage_date) = modules.usage_date
    left join products
        on coalesce(events.usage_date, features.usage_date) = products.usage_date
),

user_compared as (
    select
        user_events.event_count,
        users.event_count as user_event_count,
        coalesce(user_events.usage_date, users.usage_date) as usage_date
    from user_events
    full outer join users
        on user_events.usage_date = users.usage_date
)

select
    usage_date,
    'account facts' as fact
from compared
where
    event_count is null
    or feature_event_count is null
    or event_count != feature_event_count
    or event_count != coalesce(module_event_count, -1)
    or event_count != coalesce(product_event_count, -1)
    or quantity != feature_quantity

union all

select
    usage_date,
    'user facts' as fact
from user_compared
where event_count is null or user_event_count is null or event_count != user_event_count
