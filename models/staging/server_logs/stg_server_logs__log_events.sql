{{ config(**upsert_config('log_line_id', horizon_column='loaded_at')) }}

{#- One row per log line position (file, line number): a line shipped twice is kept once. -#}
{{ deduplicate_incrementally(
    'base_server_logs__log_lines',
    unique_key='log_line_id',
    order_by='loaded_at asc, payload_hash asc nulls last',
    drop_columns=['line_excerpt'],
) }}
