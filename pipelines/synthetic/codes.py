"""Weighted code distributions (NHS Data Dictionary codes, as in the raw contract)."""

from __future__ import annotations

from pipelines.synthetic.rand import Dist

PLANNED_METHODS = ("11", "12", "13")
EMERGENCY_METHODS = ("21", "22", "23", "24", "25", "2A", "2B", "2D")
TRANSFER_METHODS = ("81", "82", "83")

ADM_METHOD: Dist = (
    ("11", 0.060), ("12", 0.035), ("13", 0.025),
    ("21", 0.130), ("22", 0.120), ("23", 0.030), ("24", 0.080), ("25", 0.300),
    ("2A", 0.040), ("2B", 0.040), ("2D", 0.020),
    ("81", 0.045), ("82", 0.025), ("83", 0.015),
    ("98", 0.005), ("99", 0.005),
)  # fmt: skip
EMERGENCY_ADM_METHOD: Dist = (
    ("21", 0.17), ("22", 0.15), ("23", 0.04), ("24", 0.10), ("25", 0.40),
    ("2A", 0.05), ("2B", 0.05), ("2D", 0.04),
)  # fmt: skip
ADM_SOURCE: Dist = (
    ("19", 0.78), ("29", 0.05), ("51", 0.04), ("40", 0.015), ("37", 0.01), ("42", 0.02),
    ("54", 0.02), ("65", 0.01), ("79", 0.005), ("98", 0.03), ("99", 0.01),
)  # fmt: skip
TRANSFER_ADM_SOURCE: Dist = (("49", 0.5), ("53", 0.2), ("51", 0.1), ("87", 0.2))
DISCH_METHOD: Dist = (
    ("1", 0.90),
    ("3", 0.01),
    ("6", 0.055),
    ("7", 0.02),
    ("8", 0.005),
    ("9", 0.01),
)
DISCH_DEST: Dist = (
    ("19", 0.78), ("29", 0.06), ("54", 0.03), ("65", 0.02), ("66", 0.01), ("51", 0.02),
    ("49", 0.02), ("87", 0.015), ("84", 0.005), ("40", 0.01), ("37", 0.005), ("98", 0.025),
)  # fmt: skip
DEATH_METHOD = "4"
DEATH_DEST = "79"

ATTEND_STATUS: Dist = (
    ("5", 0.72),
    ("6", 0.08),
    ("2", 0.03),
    ("3", 0.075),
    ("4", 0.065),
    ("7", 0.03),
)
ATTENDED = ("5", "6")
CONS_MECH: Dist = (
    ("01", 0.55), ("02", 0.24), ("04", 0.12), ("03", 0.01), ("05", 0.015), ("06", 0.01),
    ("09", 0.02), ("10", 0.01), ("11", 0.01), ("12", 0.005), ("13", 0.005), ("98", 0.005),
)  # fmt: skip
FOLLOW_UP_MECH: Dist = (("01", 0.55), ("02", 0.38), ("04", 0.07))
FOLLOW_UP_ATTEND: Dist = (("5", 0.9), ("6", 0.1))

REFERRAL_SOURCE: Dist = (
    ("A1", 0.42), ("B1", 0.08), ("H1", 0.10), ("P1", 0.14), ("C1", 0.05), ("E1", 0.03),
    ("F1", 0.03), ("D1", 0.03), ("A3", 0.04), ("G1", 0.02), ("N3", 0.02), ("Q1", 0.04),
)  # fmt: skip
SPELL_REFERRAL_SOURCE: Dist = (("H1", 0.35), ("P1", 0.35), ("A1", 0.15), ("F1", 0.1), ("E1", 0.05))
PRIMARY_REASON: Dist = tuple(
    (f"{i:02d}", w)
    for i, w in enumerate(
        [3, 2, 4, 1, 10, 8, 6, 3, 12, 5, 9, 6, 2, 3, 4, 2, 3, 2, 1, 1, 4, 2, 3, 1, 2, 1, 1], 1
    )
)
PRIORITY: Dist = (("1", 0.05), ("2", 0.20), ("3", 0.70), ("4", 0.05))
SPELL_PRIORITY: Dist = (("1", 0.6), ("2", 0.4))

OAT_REASON: Dist = (
    ("10", 0.82),
    ("11", 0.03),
    ("12", 0.03),
    ("13", 0.02),
    ("14", 0.05),
    ("99", 0.05),
)
INBOUND_OAT_REASON: Dist = (("10", 0.75), ("11", 0.06), ("12", 0.06), ("14", 0.08), ("99", 0.05))
# Independent-sector providers that take inappropriate out-of-area placements.
INDEPENDENT_RECEIVERS: Dist = (
    ("NXA01", 0.30), ("NXB02", 0.25), ("NXC03", 0.20), ("NXD04", 0.15), ("NXE05", 0.10),
)  # fmt: skip
# NHS trusts outside the generated set that send patients to the generated providers.
EXTERNAL_SENDERS: Dist = (
    ("RV3", 0.2), ("RW4", 0.2), ("RT1", 0.2), ("RWK", 0.15), ("RQ3", 0.15), ("RH5", 0.1),
)  # fmt: skip
PLACEMENT_BED_TYPE: Dist = (("200", 0.85), ("202", 0.15))

CRFD_ATTRIB: Dist = (("04", 0.35), ("05", 0.33), ("06", 0.17), ("07", 0.15))
CRFD_REASON: Dist = (
    ("01", 0.15), ("02", 0.10), ("03", 0.08), ("04", 0.08), ("05", 0.06), ("06", 0.06),
    ("08", 0.05), ("10", 0.05), ("11", 0.05), ("13", 0.04), ("15", 0.04), ("19", 0.04),
    ("22", 0.04), ("25", 0.04), ("28", 0.03), ("31", 0.03), ("34", 0.03), ("37", 0.03),
    ("98", 0.03),
)  # fmt: skip

GENDER: Dist = (
    ("1", 0.485), ("2", 0.49), ("3", 0.004), ("4", 0.003), ("9", 0.01), ("X", 0.005), ("Z", 0.003),
)  # fmt: skip
ETHNIC: Dist = (
    ("A", 0.72), ("B", 0.02), ("C", 0.04), ("D", 0.01), ("E", 0.01), ("F", 0.01), ("G", 0.01),
    ("H", 0.03), ("J", 0.03), ("K", 0.01), ("L", 0.01), ("M", 0.01), ("N", 0.02), ("P", 0.01),
    ("R", 0.005), ("S", 0.015), ("Z", 0.03), ("99", 0.01),
)  # fmt: skip

# Bed types: (mean, median) length of stay in days.
BED_TYPE_LOS: tuple[tuple[int, float, float], ...] = (
    (200, 36.0, 21.0),
    (201, 62.0, 42.0),
    (202, 30.0, 19.0),
    (203, 85.0, 62.0),
    (205, 95.0, 60.0),
    (210, 170.0, 130.0),
)
# Ward bed types after the first three wards (200, 201, 202), cycled.
WARD_TYPE_CYCLE = (200, 200, 201, 203, 200, 205, 200, 202, 201, 210)

# Team types: (code, intended age group code, default team name suffix).
TEAM_TYPES: tuple[tuple[str, str, str], ...] = (
    ("A05", "02", "Community Mental Health Team"),
    ("A02", "04", "Crisis Resolution Home Treatment"),
    ("A06", "03", "Older Adult Community Team"),
    ("C01", "01", "CAMHS Community Team"),
)
