{#- Body of a CTE: per user, the load time of the first row of the latest unbroken run of rows
    of `assignments` (user_id, account_id, loaded_at) naming the account of `current` (user_id,
    account_id): the first one after the last row naming another account. A user whose latest
    row for another account ties with a row for the current one has no run (no row). -#}
{% macro latest_account_run_start(assignments, current) -%}
    select
        {{ assignments }}.user_id,
        min({{ assignments }}.loaded_at) as loaded_at
    from {{ assignments }}
    inner join {{ current }}
        on {{ assignments }}.user_id = {{ current }}.user_id
    left join (
        select
            other_rows.user_id,
            max(other_rows.loaded_at) as last_other_loaded_at
        from {{ assignments }} as other_rows
        inner join {{ current }} as other_current
            on other_rows.user_id = other_current.user_id
        where other_rows.account_id <> other_current.account_id
        group by other_rows.user_id
    ) as last_other_account
        on {{ assignments }}.user_id = last_other_account.user_id
    where
        {{ assignments }}.account_id = {{ current }}.account_id
        and (
            last_other_account.last_other_loaded_at is null
            or {{ assignments }}.loaded_at > last_other_account.last_other_loaded_at
        )
    group by {{ assignments }}.user_id
{%- endmacro %}
