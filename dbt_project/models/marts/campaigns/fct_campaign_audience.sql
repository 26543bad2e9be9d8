{#-
    One row per campaign and audience member: the CRM's audience export (stg_files__campaign_audience) with the
    member holding each member number (the membership account of exactly one member, as
    int_campaign_touches_unioned finds it) and the group the CRM put the member in - `holdout` (kept out of the
    campaign: the comparison group), `treatment`, or the name of a variant of an A/B test (`variant_a`, ...) - and
    what the member bought, counted orders only (int_orders_unified.is_counted), of any store:
      during   the campaign's period [start_at, end_at)
      before   the period of the same length right before it [start_at - (end_at - start_at), start_at)
    Orders are counted in any currency; revenue (net_amount) only in var('campaign_currency') (default CNY, the
    currency of the calendar's costs): amounts of two currencies are not added up.
    A member whose member numbers sit in two groups of one campaign (one person, two cards) belongs to neither and
    is left out, as are entries whose member number no member or two members hold.
    The orders are summed in one aggregate over the left join: Postgres, without statistics on CTEs, expects a row
    or two from an aggregate and would join two of them by nested loop (minutes on the demo world).
-#}
{%- set currency = var('campaign_currency', 'CNY') %}

with

campaigns as (
    select * from {{ ref('stg_files__campaigns') }}
),

audience as (
    select * from {{ ref('stg_files__campaign_audience') }}
),

membership_accounts as (
    select * from {{ ref('int_identity__membership_accounts') }}
),

account_members as (
    select * from {{ ref('int_identity__account_members') }}
),

orders as (
    select * from {{ ref('int_orders_unified') }}
),

audience_numbers as (
    select
        audience.campaign_id,
        audience.audience_group,
        account_members.member_id,
        min(account_members.member_id) over (partition by audience.member_no) as first_holder,
        max(account_members.member_id) over (partition by audience.member_no) as last_holder
    from audience
    inner join membership_accounts on audience.member_no = membership_accounts.account_id
    inner join account_members on membership_accounts.account_key = account_members.account_key
    where audience.audience_group is not null
),

audience_members as (
    select
        audience_numbers.campaign_id,
        audience_numbers.member_id,
        case
            when count(distinct audience_numbers.audience_group) = 1 then min(audience_numbers.audience_group)
        end as audience_group
    from audience_numbers
    where audience_numbers.first_holder = audience_numbers.last_holder
    group by audience_numbers.campaign_id, audience_numbers.member_id
),

periods as (
    select
        campaigns.campaign_id,
        campaigns.start_at,
        campaigns.end_at,
        campaigns.start_at - (campaigns.end_at - campaigns.start_at) as before_start_at
    from campaigns
),

final as (
    select
        audience_members.campaign_id || ':' || audience_members.member_id as campaign_member_key,
        audience_members.campaign_id,
        audience_members.member_id,
        audience_members.audience_group,
        audience_members.audience_group = 'holdout' as is_holdout,
        sum(case when orders.ordered_at >= periods.start_at then 1 else 0 end) as orders_during,
        cast(sum(
            case
                when orders.ordered_at >= periods.start_at and orders.currency = '{{ currency }}'
                    then orders.net_amount
                else 0
            end
        ) as numeric(14, 2)) as revenue_during,
        sum(case when orders.ordered_at < periods.start_at then 1 else 0 end) as orders_before,
        cast(sum(
            case
                when orders.ordered_at < periods.start_at and orders.currency = '{{ currency }}'
                    then orders.net_amount
                else 0
            end
        ) as numeric(14, 2)) as revenue_before
    from audience_members
    inner join periods on audience_members.campaign_id = periods.campaign_id
    left join orders
        on
            audience_members.member_id = orders.member_id
            and orders.is_counted
            and periods.before_start_at <= orders.ordered_at
            and periods.end_at > orders.ordered_at
    where audience_members.audience_group is not null
    group by audience_members.campaign_id, audience_members.member_id, audience_members.audience_group
)

select * from final
