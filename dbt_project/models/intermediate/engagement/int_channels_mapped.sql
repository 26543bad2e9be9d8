{#
    Channels of the sources mapped to communities (raw._channels, written from pulse.yml).
    channel_key is `<source>:<category_id>` for each Discourse category, and `<source>:*` for everything of a
    source that no category row covers (posts without or with an unknown category, Shopify orders).
    A category takes the communities of the most specific matching channel row: its own slug, else its parent
    category's slug, else the whole source (channel null). No match: no row (the category counts only in 'all').
#}
with

categories as (
    select * from {{ ref('stg_discourse__categories') }}
),

channels as (
    select * from {{ source('raw', '_channels') }}
),

categories_with_parent as (
    select
        categories.category_key,
        categories.source_name,
        categories.category_id,
        categories.category_slug,
        parent_categories.category_slug as parent_category_slug
    from categories
    left join categories as parent_categories
        on
            categories.source_name = parent_categories.source_name
            and categories.parent_category_id = parent_categories.category_id
),

category_candidates as (
    select
        categories_with_parent.category_key as channel_key,
        categories_with_parent.source_name,
        categories_with_parent.category_id,
        categories_with_parent.category_slug,
        channels.community,
        case
            when channels.channel = categories_with_parent.category_slug then 1
            when channels.channel = categories_with_parent.parent_category_slug then 2
            else 3
        end as match_rank
    from categories_with_parent
    inner join channels
        on
            categories_with_parent.source_name = channels.source
            and (
                categories_with_parent.category_slug = channels.channel
                or categories_with_parent.parent_category_slug = channels.channel
                or channels.channel is null
            )
),

category_matches as (
    select
        category_candidates.channel_key,
        category_candidates.source_name,
        category_candidates.category_id,
        category_candidates.category_slug,
        category_candidates.community,
        category_candidates.match_rank,
        rank() over (
            partition by category_candidates.channel_key
            order by category_candidates.match_rank
        ) as match_order
    from category_candidates
),

source_matches as (
    select distinct
        channels.source || ':*' as channel_key,
        channels.source as source_name,
        cast(null as bigint) as category_id,
        cast(null as {{ dbt.type_string() }}) as category_slug,
        channels.community,
        3 as match_rank
    from channels
    where channels.channel is null
),

final as (
    select distinct
        category_matches.channel_key,
        category_matches.source_name,
        category_matches.category_id,
        category_matches.category_slug,
        category_matches.community,
        case category_matches.match_rank
            when 1 then 'category'
            when 2 then 'parent_category'
            else 'source'
        end as matched_on
    from category_matches
    where category_matches.match_order = 1

    union all

    select
        source_matches.channel_key,
        source_matches.source_name,
        source_matches.category_id,
        source_matches.category_slug,
        source_matches.community,
        'source' as matched_on
    from source_matches
)

select * from final
