{#
    Generic test on an audience export's group column: every group is `treatment` or `holdout`, or a variant
    that pulse.yml's `experiments` declares for the row's campaign; and a campaign under test has no plain
    `treatment` rows (which arm did they get?). Failing rows name the campaign, the group and the reason, so
    the CRM export or the config can be fixed; until then the unknown group's members count as treated.
#}
{% test audience_group_declared(model, column_name, campaign_column='campaign_id') %}

with

arms as (
    {{ experiment_arms() }}
),

tested as (
    select distinct arms.campaign_id
    from arms
),

audience as (
    select
        {{ campaign_column }} as campaign_id,
        {{ column_name }} as audience_group
    from {{ model }}
    where {{ column_name }} is not null
)

select
    audience.campaign_id,
    audience.audience_group,
    case
        when tested.campaign_id is not null
            then 'campaign is an A/B test of pulse.yml: treatment must be one of its variants'
        else 'neither treatment nor holdout, and no variant pulse.yml declares for the campaign'
    end as reason,
    count(*) as entries
from audience
left join arms
    on audience.campaign_id = arms.campaign_id and audience.audience_group = arms.variant
left join tested on audience.campaign_id = tested.campaign_id
where
    arms.variant is null
    and audience.audience_group <> 'holdout'
    and (audience.audience_group <> 'treatment' or tested.campaign_id is not null)
group by audience.campaign_id, audience.audience_group, tested.campaign_id

{% endtest %}
