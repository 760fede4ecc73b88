{{ config(post_hook="{{ delete_erased_users('user_id') }}", **upsert_config('event_id')) }}

{#- Grain: one row per deduplicated usage event, from any source (Segment tracks and pages,
    server log events, app-database records).

    Identity: user_id is the event's own user, else the user its anonymous id was later
    identified as; account_id is the event's own account (server logs, app records), else
    the user's account.

    Incremental: an event is (re)processed when its own row was loaded after the watermark,
    or when the identity it depends on changed after it (a visitor identified later, a user
    moved to an account). loaded_at is the latest of those load times, so a full build and
    any sequence of incremental runs end with the same rows.

    Privacy erasure (stg_app_db__erased_users): an erased user's events loaded before the
    erasure landed are kept for their account without user, visitor id, properties, user
    agent or referrer (user_match 'erased'); events loaded after it are suppressed. Landing
    an erasure restates the user's events like an identity change (loaded_at includes the
    erasure's load time), and the post-hook deletes any row still holding an erased user. -#}

with events as (
    select * from {{ ref('int_usage_events__mapped') }}
),

anonymous_users as (
    select * from {{ ref('int_identity__anonymous_users') }}
),

user_accounts as (
    select * from {{ ref('int_identity__user_accounts') }}
),

erased_users as (
    select * from {{ ref('stg_app_db__erased_users') }}
),

{% if is_incremental() %}
watermark as (
    select {{ load_watermark('loaded_at') }} as watermark_at
),

restated_visitors as (
    select anonymous_id from anonymous_users
    where loaded_at > (select watermark.watermark_at from watermark)
),

restated_users as (
    select user_id from user_accounts
    where loaded_at > (select watermark.watermark_at from watermark)
),

restated_visitors_of_users as (
    select anonymous_id from anonymous_users
    where user_id in (select restated_users.user_id from restated_users)
),

newly_erased_users as (
    select user_id from erased_users
    where erased_from_loaded_at > (select watermark.watermark_at from watermark)
),

visitors_of_newly_erased_users as (
    select anonymous_id from anonymous_users
    where user_id in (select newly_erased_users.user_id from newly_erased_users)
),

events_to_process as (
    select * from events
    where loaded_at > (select watermark.watermark_at from watermark)

    union all

    select * from events
    where
        loaded_at <= (select watermark.watermark_at from watermark)
        and (
            (user_id is null and anonymous_id in (select restated_visitors.anonymous_id from restated_visitors))
            or user_id in (select restated_users.user_id from restated_users)
            or (user_id is null and anonymous_id in (select restated_visitors_of_users.anonymous_id from restated_visitors_of_users))
            or user_id in (select newly_erased_users.user_id from newly_erased_users)
            or (
                user_id is null
                and anonymous_id in (select visitors_of_newly_erased_users.anonymous_id from visitors_of_newly_erased_users)
            )
        )
),
{% else %}
events_to_process as (
    select * from events
),
{% endif %}

stitched as (
    select
        events_to_process.*,
        anonymous_users.loaded_at as visitor_link_loaded_at,
        coalesce(events_to_process.user_id, anonymous_users.user_id) as stitched_user_id,
        case
            when events_to_process.user_id is not null then 'user_id'
            when anonymous_users.user_id is not null then 'anonymous_id'
            else 'none'
        end as user_match
    from events_to_process
    left join anonymous_users
        on
            events_to_process.user_id is null
            and events_to_process.anonymous_id = anonymous_users.anonymous_id
),

attributed as (
    select
        stitched.*,
        coalesce(stitched.account_id, user_accounts.account_id) as stitched_account_id,
        case when stitched.account_id is null then user_accounts.loaded_at end as account_link_loaded_at,
        case
            when stitched.account_id is not null then 'event'
            when user_accounts.account_id is not null then user_accounts.account_source
            else 'none'
        end as account_match
    from stitched
    left join user_accounts
        on stitched.stitched_user_id = user_accounts.user_id
),

privacy_checked as (
    select
        attributed.*,
        erased_users.erased_from_loaded_at,
        erased_users.user_id is not null as is_erased_user
    from attributed
    left join erased_users
        on attributed.stitched_user_id = erased_users.user_id
    where
        erased_users.user_id is null
        or attributed.loaded_at <= erased_users.erased_from_loaded_at
),

final as (
    select
        cast(event_id as {{ dbt.type_string() }}) as event_id,
        cast(source as {{ dbt.type_string() }}) as source,
        source_record_id,
        event_name,
        event_at,
        cast({{ dbt.date_trunc('day', 'event_at') }} as date) as event_date,
        case when not is_erased_user then stitched_user_id end as user_id,
        case when not is_erased_user then anonymous_id end as anonymous_id,
        stitched_account_id as account_id,
        cast(case when is_erased_user then 'erased' else user_match end as {{ dbt.type_string() }}) as user_match,
        cast(account_match as {{ dbt.type_string() }}) as account_match,
        feature,
        module,
        product,
        taxonomy_rule_id,
        is_mapped,
        is_active_use,
        is_value_event,
        is_milestone_event,
        billable_unit,
        quantity,
        is_error,
        is_event_time_adjusted,
        page_path,
        case when not is_erased_user then page_referrer end as page_referrer,
        page_title,
        campaign_source,
        campaign_medium,
        campaign_name,
        case when not is_erased_user then user_agent end as user_agent,
        library_name,
        case when not is_erased_user then properties end as properties,
        received_at,
        greatest(
            loaded_at,
            coalesce(visitor_link_loaded_at, loaded_at),
            coalesce(account_link_loaded_at, loaded_at),
            coalesce(erased_from_loaded_at, loaded_at)
        ) as loaded_at
    from privacy_checked
)

select * from final
