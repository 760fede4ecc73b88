{{ config(**upsert_config('anonymous_id')) }}

{#- One row per anonymous_id seen together with a user_id: the user it belongs to.

    An anonymous id is linked to a user by an identify call, or by any track or page call
    that carries both ids. The first link by event time wins (ties: the message id), so
    anonymous activity before login is attributed to the user who logged in first on that
    device. loaded_at is the load time of the winning link: it changes only when the
    winner changes, which is what tells incremental models to restate that visitor.

    Incremental: the anonymous ids with a link loaded after the watermark are ranked again
    over all their links (read as literals, so each scan keeps only their rows). -#}
{%- set anonymous_id_condition = anonymous_ids_with_new_links(
    ['stg_segment__identifies', 'stg_segment__tracks', 'stg_segment__pages']
) %}

with identifies as (
    select * from {{ ref('stg_segment__identifies') }}
    where {{ anonymous_id_condition }}
),

tracks as (
    select * from {{ ref('stg_segment__tracks') }}
    where {{ anonymous_id_condition }}
),

pages as (
    select * from {{ ref('stg_segment__pages') }}
    where {{ anonymous_id_condition }}
),

links as (
    select
        anonymous_id,
        user_id,
        event_at,
        message_id,
        loaded_at
    from identifies
    where anonymous_id is not null and user_id is not null

    union all

    select
        anonymous_id,
        user_id,
        event_at,
        message_id,
        loaded_at
    from tracks
    where anonymous_id is not null and user_id is not null

    union all

    select
        anonymous_id,
        user_id,
        event_at,
        message_id,
        loaded_at
    from pages
    where anonymous_id is not null and user_id is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by anonymous_id
            order by event_at asc, message_id asc
        ) as link_rank
    from links
),

final as (
    select
        anonymous_id,
        user_id,
        event_at as first_identified_at,
        loaded_at
    from ranked
    where link_rank = 1
)

select * from final
