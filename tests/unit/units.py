"""The made-up units the domain tests meet, by HSA id: one spelling of each for every
unit test, the same as tests.support's actors carry (a unit test needs none of its
broker and HTTP machinery)."""

POLICE_UNIT = "SE2321000016-POL1"
SOCIAL_UNIT = "SE2120000001-SOC1"
"""A municipality's social services, as one unit."""
HEALTH_UNIT = "SE2321000016-HC01"
SCHOOL_UNIT = "SE2120000001-SKL1"

IOF = "SE2120000001-IOF1"
"""Individual and family care (children and youth): social services' first unit."""
AOF = "SE2120000001-AOF1"
"""Adult care: social services' second unit."""
