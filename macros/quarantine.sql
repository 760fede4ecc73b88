{#- The first failed check names why a raw row is quarantined; null when the row is good.
    `checks` is a list of (condition that is true for a bad row, reason code) pairs, in
    priority order. Reason codes are listed in docs/raw_landing_contract.md. -#}
{% macro quarantine_reason(checks) -%}
    case
        {%- for condition, reason in checks %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- Checks every Segment call must pass, before the call-specific ones. -#}
{% macro segment_common_checks() -%}
    {{ return([
        ("message_id is null", "missing_message_id"),
        ("loaded_at is null", "missing_loaded_at"),
        ("received_at is null", "missing_received_at"),
        ("anonymous_id is null and user_id is null", "missing_identity"),
    ]) }}
{%- endmacro %}


{#- Checks every Segment call must pass after the call-specific ones. -#}
{% macro segment_trailing_checks(payload_column) -%}
    {{ return([
        (payload_column ~ " > " ~ var('max_payload_chars'), "payload_too_large"),
        (seconds_between('event_at', 'received_at') ~ " > " ~ (var('late_arrival_horizon_days') | int * 86400), "late_beyond_horizon"),
    ]) }}
{%- endmacro %}


{#- The true time of a Segment call, as Segment defines `timestamp`: the server's receive
    time less the device's own delay between the event and sending it, which cancels any
    error of the device clock. Falls back to the `timestamp` column, then received_at.
    A result in the future of received_at (beyond var max_future_skew_minutes) or before
    var earliest_valid_event_at is impossible: received_at is used and the row flagged. -#}
{% macro segment_corrected_at(received_at, sent_at, original_timestamp, segment_timestamp) -%}
    case
        when {{ original_timestamp }} is not null and {{ sent_at }} is not null
            then {{ shift_timestamp(received_at, sent_at, original_timestamp) }}
        else coalesce({{ segment_timestamp }}, {{ received_at }})
    end
{%- endmacro %}

{% macro is_impossible_event_time(corrected_at, received_at) -%}
    (
        {{ corrected_at }} > {{ dbt.dateadd('minute', var('max_future_skew_minutes') | int, received_at) }}
        or {{ corrected_at }} < cast('{{ var("earliest_valid_event_at") }}' as {{ dbt.type_timestamp() }})
    )
{%- endmacro %}


{#- The raw landing contract (docs/raw_landing_contract.md; the same columns as
    src/usage_warehouse/raw_schema.py, which pytests/test_fault_battery.py compares with
    this list): per raw table, every column the project expects and its type family. -#}
{% macro raw_landing_contract() -%}
    {%- set segment_common = [
        ('id', 'text'), ('anonymous_id', 'text'), ('user_id', 'text'), ('timestamp', 'timestamp'),
        ('original_timestamp', 'timestamp'), ('sent_at', 'timestamp'), ('received_at', 'timestamp'),
        ('uuid_ts', 'timestamp'), ('context_library_name', 'text'), ('context_library_version', 'text'),
        ('context_ip', 'text'), ('context_user_agent', 'text'), ('context_page_path', 'text'),
        ('context_page_url', 'text'), ('context_page_referrer', 'text'), ('context_page_title', 'text'),
        ('context_campaign_name', 'text'), ('context_campaign_source', 'text'), ('context_campaign_medium', 'text'),
    ] -%}
    {{ return({
        'segment.tracks': segment_common + [('event', 'text'), ('event_text', 'text'), ('properties', 'text')],
        'segment.pages': segment_common + [
            ('name', 'text'), ('path', 'text'), ('url', 'text'), ('referrer', 'text'), ('title', 'text'),
            ('search', 'text'), ('properties', 'text')],
        'segment.identifies': segment_common + [('traits', 'text')],
        'segment.groups': segment_common + [('group_id', 'text'), ('traits', 'text')],
        'server_logs.log_lines': [('line_text', 'text'), ('log_file', 'text'), ('line_number', 'integer'), ('_loaded_at', 'timestamp')],
        'app_db.accounts': [
            ('id', 'text'), ('name', 'text'), ('plan', 'text'), ('seats', 'integer'), ('industry', 'text'),
            ('country', 'text'), ('created_at', 'timestamp'), ('updated_at', 'timestamp'), ('deleted_at', 'timestamp'),
            ('_loaded_at', 'timestamp')],
        'app_db.users': [
            ('id', 'text'), ('account_id', 'text'), ('email', 'text'), ('full_name', 'text'), ('role', 'text'),
            ('created_at', 'timestamp'), ('updated_at', 'timestamp'), ('deactivated_at', 'timestamp'),
            ('_loaded_at', 'timestamp')],
        'app_db.subscriptions': [
            ('id', 'text'), ('account_id', 'text'), ('plan', 'text'), ('status', 'text'), ('seats', 'integer'),
            ('mrr_amount', 'number'), ('currency', 'text'), ('started_at', 'timestamp'), ('ended_at', 'timestamp'),
            ('created_at', 'timestamp'), ('updated_at', 'timestamp'), ('_loaded_at', 'timestamp')],
        'app_db.reports': [
            ('id', 'text'), ('account_id', 'text'), ('created_by_user_id', 'text'), ('report_type', 'text'),
            ('created_at', 'timestamp'), ('updated_at', 'timestamp'), ('_loaded_at', 'timestamp')],
        'app_db.integrations': [
            ('id', 'text'), ('account_id', 'text'), ('connected_by_user_id', 'text'), ('provider', 'text'),
            ('connected_at', 'timestamp'), ('disconnected_at', 'timestamp'), ('_loaded_at', 'timestamp')],
        'app_db.invitations': [
            ('id', 'text'), ('account_id', 'text'), ('invited_by_user_id', 'text'), ('invitee_email', 'text'),
            ('role', 'text'), ('created_at', 'timestamp'), ('accepted_at', 'timestamp'), ('_loaded_at', 'timestamp')],
        'app_db.data_imports': [
            ('id', 'text'), ('account_id', 'text'), ('user_id', 'text'), ('source_type', 'text'), ('status', 'text'),
            ('rows_imported', 'integer'), ('started_at', 'timestamp'), ('completed_at', 'timestamp'),
            ('_loaded_at', 'timestamp')],
        'app_db.automation_rules': [
            ('id', 'text'), ('account_id', 'text'), ('created_by_user_id', 'text'), ('trigger_type', 'text'),
            ('is_enabled', 'boolean'), ('created_at', 'timestamp'), ('updated_at', 'timestamp'), ('_loaded_at', 'timestamp')],
        'app_db.account_settings_changes': [
            ('id', 'text'), ('account_id', 'text'), ('changed_by_user_id', 'text'), ('setting_key', 'text'),
            ('old_value', 'text'), ('new_value', 'text'), ('changed_at', 'timestamp'), ('_loaded_at', 'timestamp')],
        'app_db.privacy_erasure_requests': [
            ('id', 'text'), ('user_id', 'text'), ('email', 'text'), ('requested_at', 'timestamp'),
            ('processed_at', 'timestamp'), ('_loaded_at', 'timestamp')],
    }) }}
{%- endmacro %}


{#- The family of a column type as an engine reports it (DuckDB, PostgreSQL, Spark), so the
    contract is checked by meaning: text, timestamp, integer, number, boolean. -#}
{% macro raw_type_family(data_type) -%}
    {%- set t = data_type | lower | trim -%}
    {%- set base = t.split('(')[0] | trim -%}
    {%- if 'char' in base or base in ('text', 'string') -%}{{ return('text') }}
    {%- elif base.startswith('timestamp') or base == 'datetime' -%}{{ return('timestamp') }}
    {%- elif base in ('tinyint', 'smallint', 'integer', 'int', 'bigint', 'hugeint', 'int2', 'int4', 'int8', 'long', 'short', 'byte') -%}{{ return('integer') }}
    {%- elif base in ('decimal', 'numeric', 'double', 'double precision', 'float', 'float4', 'float8', 'real') -%}{{ return('number') }}
    {%- elif base in ('boolean', 'bool') -%}{{ return('boolean') }}
    {%- else -%}{{ return(base) }}
    {%- endif -%}
{%- endmacro %}


{#- Schema drift guard, called at the top of every base model: the raw table must have
    every contract column with a type of the expected family (an integer column also
    satisfies `number`). A dropped or retyped column stops the model with an error that
    names <source>.<table>.<column>, the expected and the found type, instead of turning
    into silent nulls or silent casts; extra columns are allowed and ignored. Skipped at
    parse time and in unit tests (their inputs are fixtures, not the raw table). -#}
{% macro assert_raw_contract(source_name, table_name) -%}
    {%- if execute and model is defined and model.resource_type == 'model' -%}
        {%- set relation = source(source_name, table_name) -%}
        {%- set found = {} -%}
        {%- for col in adapter.get_columns_in_relation(relation) -%}
            {%- do found.update({col.name | lower: col.data_type}) -%}
        {%- endfor -%}
        {%- if not found -%}
            {{ exceptions.raise_compiler_error("Raw table " ~ source_name ~ "." ~ table_name ~ " (" ~ relation ~ ") does not exist or has no columns: see docs/raw_landing_contract.md") }}
        {%- endif -%}
        {%- set problems = [] -%}
        {%- for column, family in raw_landing_contract()[source_name ~ '.' ~ table_name] -%}
            {%- if column not in found -%}
                {%- do problems.append(source_name ~ "." ~ table_name ~ "." ~ column ~ " is missing (expected " ~ family ~ ")") -%}
            {%- else -%}
                {%- set found_family = raw_type_family(found[column]) -%}
                {%- if found_family != family and not (family == 'number' and found_family == 'integer') -%}
                    {%- do problems.append(source_name ~ "." ~ table_name ~ "." ~ column ~ " has type " ~ found[column] ~ " (expected " ~ family ~ ")") -%}
                {%- endif -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if problems -%}
            {{ exceptions.raise_compiler_error("Raw schema drift, see docs/raw_landing_contract.md: " ~ (problems | join('; '))) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#- True when text holds U+FFFD, the replacement character: invalid UTF-8 cannot be stored
    in a text column, so loaders decode it with replacement and this marks the damage
    (reason code invalid_encoding). -#}
{% macro has_invalid_encoding(expr) -%}
    coalesce({{ expr }} like '%�%', false)
{%- endmacro %}


{#- A raw row's place among identical copies of itself (same table, record id, reason, load time
    and detail), for telling copies apart in the audit models: a window expression. -#}
{% macro raw_row_copy_number() -%}
    row_number() over (
        partition by source_table, source_record_id, quarantine_reason, loaded_at, detail
        order by source_table asc
    )
{%- endmacro %}

{#- A stable id of a raw row in the audit models: a hash of the row's table, record id, reason,
    load time, detail and copy_number (raw_row_copy_number). -#}
{% macro raw_row_id() -%}
    {%- set string_type = dbt.type_string() -%}
    {{ dbt.hash(dbt.concat([
        "source_table", "'|'", "coalesce(source_record_id, '')", "'|'", "coalesce(quarantine_reason, '')", "'|'",
        "coalesce(cast(loaded_at as " ~ string_type ~ "), '')", "'|'", "coalesce(detail, '')", "'|'",
        "cast(copy_number as " ~ string_type ~ ")",
    ])) }}
{%- endmacro %}
