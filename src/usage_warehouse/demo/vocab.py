"""The fixed vocabularies of the Brightlane world: plans, companies, people, devices, products.

Plan names and prices mirror ``seeds/plans.csv`` (a test keeps them in step).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    name: str
    price_per_seat: float
    max_seats: int  # above this a growing account moves to the next plan
    signup_share: float
    seats_median: float


PLANS: tuple[Plan, ...] = (
    Plan("starter", 0.0, 3, 0.38, 2.0),
    Plan("team", 25.0, 15, 0.35, 7.0),
    Plan("business", 45.0, 60, 0.19, 24.0),
    Plan("enterprise", 70.0, 100_000, 0.08, 110.0),
)
PLAN_NAMES = tuple(p.name for p in PLANS)
STARTER, TEAM, BUSINESS, ENTERPRISE = range(4)


@dataclass(frozen=True)
class Country:
    code: str
    share: float
    utc_offset_hours: float
    currency: str


COUNTRIES: tuple[Country, ...] = (
    Country("US", 0.36, -5, "USD"),
    Country("CA", 0.05, -5, "USD"),
    Country("GB", 0.10, 0, "GBP"),
    Country("IE", 0.02, 0, "EUR"),
    Country("DE", 0.09, 1, "EUR"),
    Country("FR", 0.06, 1, "EUR"),
    Country("NL", 0.05, 1, "EUR"),
    Country("ES", 0.03, 1, "EUR"),
    Country("SE", 0.03, 1, "USD"),
    Country("IN", 0.05, 5.5, "USD"),
    Country("SG", 0.02, 8, "USD"),
    Country("JP", 0.03, 9, "USD"),
    Country("AU", 0.05, 10, "USD"),
    Country("BR", 0.06, -3, "USD"),
)

INDUSTRIES: tuple[tuple[str, float], ...] = (
    ("software", 0.24),
    ("fintech", 0.10),
    ("healthcare", 0.09),
    ("retail", 0.11),
    ("manufacturing", 0.09),
    ("logistics", 0.07),
    ("education", 0.08),
    ("media", 0.07),
    ("professional_services", 0.11),
    ("nonprofit", 0.04),
)

COMPANY_WORDS_A = (
    "Blue", "Bright", "Cedar", "Silver", "North", "Granite", "Maple", "Summit", "Hidden", "Copper",
    "Iron", "Golden", "Clear", "Swift", "Quiet", "Bold", "Red", "Green", "Pine", "Oak",
    "River", "Stone", "Lunar", "Solar", "Polar", "Coral", "Amber", "Ivory", "Crimson", "Violet",
    "Urban", "Prairie", "Alpine", "Coastal", "Desert", "Highland", "Meadow", "Falcon", "Orchid", "Atlas",
)  # fmt: skip
COMPANY_WORDS_B = (
    "Harbor", "Peak", "Bridge", "Field", "Works", "Path", "Point", "Gate", "Forge", "Wave",
    "Ridge", "Valley", "Creek", "Grove", "Lake", "Trail", "Spark", "Beacon", "Anchor", "Compass",
    "Lantern", "Mill", "Tower", "Garden", "Arrow", "Canyon", "Harvest", "Signal", "Orbit", "Circuit",
    "Ledger", "Kettle", "Thread", "Pixel", "Vector", "Origin", "Haven", "Quarry", "Sail", "Crest",
)  # fmt: skip
COMPANY_SUFFIXES = (
    "Labs", "Analytics", "Group", "Systems", "Health", "Logistics", "Partners", "Studio", "Capital",
    "Foods", "Retail", "Software",
)  # fmt: skip

FIRST_NAMES = (
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Sofia", "Lucas", "Mia", "Ethan",
    "Amelia", "Leo", "Hana", "Kenji", "Priya", "Arjun", "Chloe", "Jonas", "Elena", "Omar",
    "Fatima", "Lena", "Felix", "Nora", "Diego", "Camila", "Yusuf", "Zoe", "Isaac", "Maya",
    "Theo", "Ines", "Ruben", "Sara", "Daniel", "Grace", "Tomas", "Aisha", "Lars", "Julia",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Garcia", "Muller", "Rossi", "Jensen", "Tanaka", "Patel", "Nguyen", "Kim", "Silva",
    "Brown", "Martin", "Dubois", "Novak", "Kowalski", "Larsen", "Okafor", "Haddad", "Cohen", "Singh",
    "Johnson", "Lopez", "Schmidt", "Bianchi", "Andersen", "Sato", "Shah", "Tran", "Park", "Costa",
    "Wilson", "Moreau", "Fischer", "Ricci", "Berg", "Ito", "Mehta", "Pham", "Choi", "Santos",
)  # fmt: skip

ROLES = ("admin", "member", "viewer")
ADMIN, MEMBER, VIEWER = range(3)

USER_AGENTS: tuple[tuple[str, bool], ...] = (  # (user agent, is a mobile device that may go offline)
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/141.0.0.0 Safari/537.36", False),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/141.0.0.0 Safari/537.36", False),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0", False),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:143.0) Gecko/20100101 Firefox/143.0", False),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/26.0 Safari/605.1.15", False),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:143.0) Gecko/20100101 Firefox/143.0", False),
    ("Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.6 Mobile/15E148 Safari/604.1", True),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.6 Mobile/15E148 Safari/604.1", True),
    ("Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/141.0.0.0 Mobile Safari/537.36", True),
)  # fmt: skip
DESKTOP_AGENT_WEIGHTS = (0.34, 0.30, 0.10, 0.08, 0.14, 0.04, 0.0, 0.0, 0.0)
SECOND_DEVICE_AGENT_WEIGHTS = (0.15, 0.10, 0.03, 0.03, 0.09, 0.0, 0.20, 0.25, 0.15)

# First octets of public address blocks held by ISPs and clouds (no private or reserved ranges).
PUBLIC_FIRST_OCTETS = (
    24, 31, 37, 45, 50, 62, 66, 68, 71, 73, 76, 81, 84, 86, 88, 92, 98, 99, 108, 109,
    151, 174, 176, 185, 188, 194, 203, 212, 217,
)  # fmt: skip
BACKEND_IP = "34.120.77.18"

JS_LIBRARY_VERSIONS = ("4.15.3", "5.2.0", "5.2.1")
PYTHON_LIBRARY = ("analytics-python", "2.3.3")
JS_LIBRARY = "analytics.js"

APP_URL = "https://app.brightlane.io"

EXTERNAL_REFERRERS: tuple[tuple[str, float], ...] = (
    ("", 0.45),
    ("https://www.google.com/", 0.18),
    ("https://mail.google.com/", 0.12),
    ("https://app.slack.com/", 0.12),
    ("https://www.linkedin.com/", 0.05),
    ("https://brightlane.io/pricing", 0.08),
)

CAMPAIGNS: tuple[tuple[str, str, str], ...] = (  # (name, source, medium)
    ("fall_webinar_2026", "newsletter", "email"),
    ("onboarding_drip", "customer_io", "email"),
    ("automations_launch", "linkedin", "social"),
    ("brand_search", "google", "cpc"),
)

REPORT_TYPES = ("table", "dashboard", "funnel", "cohort", "pivot")
REPORT_TYPE_WEIGHTS = (0.34, 0.28, 0.14, 0.10, 0.14)
PROVIDERS = ("salesforce", "hubspot", "slack", "snowflake", "google_sheets", "zendesk", "stripe", "jira")
TRIGGER_TYPES = ("schedule_daily", "schedule_hourly", "record_created", "record_updated", "webhook")
TRIGGER_WEIGHTS = (0.36, 0.07, 0.27, 0.15, 0.15)
IMPORT_SOURCES = ("csv_upload", "xlsx_upload", "google_sheets", "api", "salesforce")
IMPORT_SOURCE_WEIGHTS = (0.38, 0.16, 0.18, 0.14, 0.14)
