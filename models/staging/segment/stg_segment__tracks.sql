{{ config(**upsert_config('message_id', horizon_column='loaded_at')) }}

{#- One row per Segment messageId: the copy Segment received first. -#}
{{ deduplicate_incrementally(
    'base_segment__tracks',
    unique_key='message_id',
    order_by='received_at asc, loaded_at asc, payload_hash asc nulls last',
) }}
