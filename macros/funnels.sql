{#-
    Funnels (seeds funnels and funnel_steps): the
    number of steps the ordered matching is generated for, and the data tests of the seeds.
-#}

{#- The highest step number of the funnel steps seed (`steps_relation`, a ref), read at
    execution time: int_funnels__entity_steps generates one matching CTE per step number up
    to it. Falls back to `fallback` when nothing can be read: at parse time, when the seed
    table does not exist yet (`dbt compile` before `dbt seed`), and in unit tests (whose
    inputs are CTEs, not tables; their funnels must have at most `fallback` steps). Steps
    beyond a funnel's own last step match nothing, so a higher number is only slower. -#}
{% macro funnel_step_count(steps_relation, fallback=8) -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set existing = load_relation(steps_relation) -%}
    {%- if existing is none -%}
        {{ return(fallback) }}
    {%- endif -%}
    {%- set result = run_query('select max(step_number) as max_step_number from ' ~ existing) -%}
    {%- set max_step_number = result.columns[0].values()[0] if result.rows | length > 0 else none -%}
    {{ return((max_step_number | int) if max_step_number is not none else 1) }}
{%- endmacro %}


{#- Data test on the step number of seed funnel_steps: the steps of every funnel are numbered
    1, 2, ... n without gaps. Fails with one row per offending step: the funnel, the step and
    the problem (a step below 1, or a step k > 1 without a step k-1 in its funnel; a funnel
    without step 1 fails on its lowest step). -#}
{% test funnel_steps_are_contiguous(model, column_name, funnel_column) %}

with steps as (
    select
        {{ funnel_column }} as funnel_name,
        {{ column_name }} as step_number
    from {{ model }}
    where {{ column_name }} is not null
),

checked as (
    select
        steps.funnel_name,
        steps.step_number,
        case
            when steps.step_number < 1 then 'step numbers start at 1'
            when steps.step_number > 1 and previous_steps.step_number is null
                then 'step ' || cast(steps.step_number as {{ dbt.type_string() }}) || ' has no step '
                || cast(steps.step_number - 1 as {{ dbt.type_string() }}) || ' before it (number the steps 1..n)'
        end as problem
    from steps
    left join steps as previous_steps
        on
            steps.funnel_name = previous_steps.funnel_name
            and steps.step_number - 1 = previous_steps.step_number
)

select *
from checked
where problem is not null

{% endtest %}


{#- Data test on the funnel key of seed funnels: every funnel has at least `min_steps` rows in
    `steps_model` (seed funnel_steps). Fails with one row per funnel that has fewer: the funnel,
    its step count and the problem. -#}
{% test funnel_has_enough_steps(model, column_name, steps_model, min_steps=2) %}

with step_counts as (
    select
        funnel_name,
        count(*) as step_count
    from {{ steps_model }}
    group by funnel_name
),

checked as (
    select
        funnels.{{ column_name }} as funnel_name,
        coalesce(step_counts.step_count, 0) as step_count,
        'a funnel needs at least {{ min_steps }} steps in funnel_steps' as problem
    from {{ model }} as funnels
    left join step_counts
        on funnels.{{ column_name }} = step_counts.funnel_name
)

select *
from checked
where step_count < {{ min_steps }}

{% endtest %}
