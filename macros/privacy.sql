{#- Salted hash of a personal identifier (email, IP, name). Normalised (trimmed,
    lower-cased) so the same person hashes the same everywhere; null stays null. -#}
{% macro hash_pii(expr) -%}
    case
        when nullif(trim({{ expr }}), '') is not null
            then {{ dbt.hash(dbt.concat(["'" ~ var('pii_hash_salt') ~ "'", "lower(trim(" ~ expr ~ "))"])) }}
    end
{%- endmacro %}


{#- Free text with every email address replaced by a marker, so PII that clients put
    into event properties never reaches a mart. -#}
{% macro redact_emails(expr) -%}
    case
        when {{ expr }} like '%@%'
            then {{ regexp_replace_all(expr, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}', '[redacted-email]') }}
        else {{ expr }}
    end
{%- endmacro %}
