{{ config(
    post_hook="{{ delete_erased_users('user_id') }}",
    **upsert_config('event_id', time_column='event_at', time_moves_where="source = 'app_db'")
) }}

{#- Grain: one row per deduplicated usage event, from any source (Segment tracks and pages,
    server log events, app-database records).

    Identity: user_id is the event's own user, else the user its anonymous id was later
    identified as; account_id is the event's own account (server logs, app records), else
    the user's account.

    Incremental: an event is (re)processed when its own row was loaded after the watermark,
    or when the identity it depends on changed after it (a visitor identified later, a user
    moved to an account). loaded_at is the latest of those load times, so a full build and
    any sequence of incremental runs end with the same rows. When the app database first
    knows a user in the account the Segment group calls named, the user's events are
    restated (account_match becomes 'app_db') but keep their loaded_at: the account they
    count for did not change (int_identity__user_accounts.account_loaded_at). The upsert finds
    a stored event by id and time (timed_delete_insert): a Segment call's or log line's time
    never changes once stored, an app-database record's can (its newest version's), so those
    are found by id alone.

    Privacy erasure (stg_app_db__erased_users): an erased user's events loaded before the
    erasure landed are kept for their account without user, visitor id, properties, user
    agent or referrer (user_match 'erased'); events loaded after it are suppressed. Landing
    an erasure restates the user's events like an identity change (loaded_at includes the
    erasure's load time), and the post-hook deletes any row still holding an erased user. -#}

with events as {{ not_materialized() }} (
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
{#- The watermark and the restated users and visitors are read first and written into the
    SQL as literals (restated_key_list), so that the filters reach the staging tables under
    the mapped view: the view is computed for the rows to process only.

    An identity change loaded after the watermark restates the events of its user or visitor
    only where the stored rows do not show it yet: the lookback selects the changes of the
    previous run again, whose restated rows would be written back unchanged. A stored row
    shows a user's account when it holds the account, its source, and a load time not before
    the assignment's (loaded_at is the latest of the load times the row depends on); a
    visitor's link when it holds the user and a load time not before the link's; an erasure
    when it holds no user id. Rows anonymised by an erasure hold no user or visitor id to
    find them by: a changed account of an erased user, and a changed link of a visitor with
    no stored row left to show it, restate them whatever they hold. -#}
{%- set watermark_at = load_watermark_literal('loaded_at') -%}
{%- set changed_users_sql -%}
    select user_id as restated_key from {{ ref('int_identity__user_accounts') }}
    where loaded_at > {{ watermark_at }}
    union all
    select user_id as restated_key from {{ ref('stg_app_db__erased_users') }}
    where erased_from_loaded_at > {{ watermark_at }}
{%- endset -%}
{%- set changed_users = restated_key_list(changed_users_sql) -%}
{%- set restated_users_sql -%}
    select stored.user_id as restated_key
    from {{ this }} as stored
    left join {{ ref('int_identity__user_accounts') }} as changed
        on
            stored.user_id = changed.user_id
            and changed.loaded_at > {{ watermark_at }}
    left join {{ ref('stg_app_db__erased_users') }} as erased
        on
            stored.user_id = erased.user_id
            and erased.erased_from_loaded_at > {{ watermark_at }}
    -- rows that still hold a user erased since the watermark, or that do not show the
    -- account assignment changed since it
    where
        stored.user_id in ({{ changed_users }})
        and (
            erased.user_id is not null
            or (
                changed.user_id is not null
                and stored.account_match <> 'event'
                and (
                    stored.account_id is null
                    or stored.account_id <> changed.account_id
                    or stored.account_match <> changed.account_source
                    or stored.loaded_at < changed.account_loaded_at
                )
            )
        )
    union all
    -- an erased user's rows hold no user id to look up
    select changed.user_id as restated_key
    from {{ ref('int_identity__user_accounts') }} as changed
    inner join {{ ref('stg_app_db__erased_users') }} as erased
        on changed.user_id = erased.user_id
    where changed.loaded_at > {{ watermark_at }}
{%- endset -%}
{%- set restated_users = restated_key_list(restated_users_sql) -%}
{%- set changed_visitors_sql -%}
    select anonymous_id as restated_key from {{ ref('int_identity__anonymous_users') }}
    where loaded_at > {{ watermark_at }}
{%- endset -%}
{%- set changed_visitors = restated_key_list(changed_visitors_sql) -%}
{%- set restated_visitors_sql -%}
    select changed.anonymous_id as restated_key
    from {{ ref('int_identity__anonymous_users') }} as changed
    left join (
        select anonymous_id, user_id, user_match, loaded_at from {{ this }}
        where anonymous_id in ({{ changed_visitors }})
    ) as stored
        on changed.anonymous_id = stored.anonymous_id
    where
        changed.loaded_at > {{ watermark_at }}
        and (
            stored.anonymous_id is null
            or (
                stored.user_match in ('anonymous_id', 'none')
                and (
                    stored.user_id is null
                    or stored.user_id <> changed.user_id
                    or stored.loaded_at < changed.loaded_at
                )
            )
        )
    union all
    select anonymous_id as restated_key from {{ ref('int_identity__anonymous_users') }}
    where user_id in ({{ restated_users }})
{%- endset %}
-- Loaded after the watermark, or restated: a visitor identified, a user moved to an account,
-- or an erasure landed after it (their events loaded before it are processed again). Three
-- disjoint parts, each a conjunction that reaches the scans of the staging tables under the
-- view: the load-time part skips row groups by load time, and the restated parts read the
-- user and visitor columns before any other (an `or` over the three would read every column
-- of every row). The events are read where used: a CTE read twice is materialized whole.
events_to_process as (
    {%- set no_keys = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
    {%- set restated_visitors = restated_key_list(restated_visitors_sql) %}
    select * from events
    where loaded_at > {{ watermark_at }}
    {%- if restated_users != no_keys %}
    union all
    select * from events
    where
        loaded_at <= {{ watermark_at }}
        and user_id in ({{ restated_users }})
    {%- endif %}
    {%- if restated_visitors != no_keys %}
    union all
    select * from events
    where
        loaded_at <= {{ watermark_at }}
        and user_id is null
        and anonymous_id in ({{ restated_visitors }})
    {%- endif %}
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
        case when stitched.account_id is null then user_accounts.account_loaded_at end as account_link_loaded_at,
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
