"""World regions buyers filter by, as groups of ISO 3166 country codes."""

REGIONS = [
    (
        "europe",
        "Europe",
        "AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE "
        "LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SK SM UA VA XK",
    ),
    ("north-america", "North America", "US CA BM GL PM"),
    (
        "latin-america",
        "Latin America and the Caribbean",
        "AR BO BR BS BB BZ CL CO CR CU DO EC GT GY HN HT JM MX NI PA PE PR PY SR SV TT UY VE",
    ),
    (
        "asia-pacific",
        "Asia-Pacific",
        "AU BD BN BT CN FJ HK ID IN JP KH KR LA LK MM MN MO MV MY NP NZ PG PH PK SG TH TL TW "
        "VN KZ KG TJ TM UZ",
    ),
    (
        "middle-east-africa",
        "Middle East and Africa",
        "AE BH DZ EG IL IQ IR JO KE KW LB MA NG OM QA SA SN SY TN TR TZ UG YE ZA ZM ZW GH ET CI "
        "CM RW AO MU",
    ),
]
OTHER = ("other", "Other regions")
REGION_OF = {code: slug for slug, _label, codes in REGIONS for code in codes.split()}
LABELS = {slug: label for slug, label, _codes in REGIONS} | {OTHER[0]: OTHER[1]}
ORDER = [slug for slug, _label, _codes in REGIONS] + [OTHER[0]]


def region_of(code: str) -> str:
    return REGION_OF.get(code, OTHER[0])
