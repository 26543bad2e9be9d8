{#- Reddit authors as identity accounts (no contact data; merged only by analysts' overrides). -#}
select
    'reddit:' || authors.author_key as account_key,
    'reddit' as platform,
    authors.source_name,
    authors.username as account_id,
    authors.first_item_at as created_at,
    authors.is_staff,
    authors.is_bot,
    cast(null as {{ dbt.type_string() }}) as email_hash,
    cast(null as {{ dbt.type_string() }}) as phone_hash,
    cast(null as {{ dbt.type_string() }}) as unionid
from {{ ref('stg_reddit__authors') }} as authors
