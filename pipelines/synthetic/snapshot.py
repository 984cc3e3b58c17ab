"""Monthly MHSDS snapshots as DuckDB SQL over the world frames.

A submission for month [ms, me] holds every record active in the month:
referrals, spells, ward stays, leave and CRFD periods that started on or
before ``me`` and did not end before ``ms``; care contacts and onward
referrals dated in the month; MPI rows for every person in MHS101, MHS201,
MHS501 or MHS502 of that month. End dates (and discharge method and
destination) later than ``me`` are not yet known, so they are written empty.
"""

from __future__ import annotations

from pipelines.contract import load_contract

MACROS = (
    "CREATE MACRO d(x) AS CAST(DATE '1970-01-01' + CAST(x AS INTEGER) AS VARCHAR)",
    "CREATE MACRO dm(x, me) AS CASE WHEN x <= me THEN d(x) END",
    "CREATE MACRO dn(x) AS CASE WHEN x > -100000 THEN d(x) END",
    "CREATE MACRO fid(prefix, n, w) AS prefix || lpad(CAST(n AS VARCHAR), w, '0')",
)

ID_WIDTH = {"SR": 7, "CC": 8, "SP": 7, "WS": 7, "CR": 7, "OAP": 6}


def ids(code: str) -> dict[str, str]:
    """SQL expression templates for identifiers (all prefixed by the provider code)."""
    return {
        "person": f"fid('{code}LP', pid + 1, 8)",
        "referral": f"fid('{code}-SR', rid, {ID_WIDTH['SR']})",
        "contact": f"fid('{code}-CC', cid, {ID_WIDTH['CC']})",
        "spell": f"fid('{code}-SP', sid, {ID_WIDTH['SP']})",
        "stay": f"fid('{code}-WS', wsid, {ID_WIDTH['WS']})",
        "crfd": f"fid('{code}-CR', crid, {ID_WIDTH['CR']})",
        "placement": f"fid('{code}-OAP', plid, {ID_WIDTH['OAP']})",
        "team": f"CASE WHEN team >= 0 THEN fid('{code}-T', team + 1, 3) END",
    }


def _select(table: str, exprs: dict[str, str]) -> str:
    """SELECT list in the contract's column order (fails if the columns differ)."""
    columns = [c.source for c in load_contract().table(table).columns]
    if sorted(columns) != sorted(exprs):
        raise ValueError(f"{table}: expressions {sorted(exprs)} != contract {sorted(columns)}")
    return ", ".join(f'{exprs[c]} AS "{c}"' for c in columns)


def _when(flag: str, value: str) -> str:
    return f"CASE WHEN {flag} THEN {value} END"


def mhsds_queries(code: str, ms: int, me: int) -> dict[str, str]:
    """SQL of each MHSDS table (except MHS000 and MHS902) for one month.

    MHS903WardDetails reads the ``ward_details`` frame (ward_details.py); it is written
    only for the providers and wards that send it.
    """
    i = ids(code)
    org = f"'{code}'"
    active_ref = f"received <= {me} AND disch >= {ms}"
    active_spell = f"sstart <= {me} AND disch >= {ms}"
    active_stay = f"wstart <= {me} AND wend >= {ms}"
    discharged = f"disch <= {me}"
    time_of_day = (
        "lpad(CAST(minute // 60 AS VARCHAR), 2, '0') || ':'"
        " || lpad(CAST(minute % 60 AS VARCHAR), 2, '0') || ':00'"
    )
    specs: dict[str, tuple[dict[str, str], str]] = {
        "MHS001MPI": (
            {
                "OrgIDProv": org,
                "LocalPatientId": i["person"],
                "NHSNumber": "lpad(CAST(nhs AS VARCHAR), 10, '0')",
                "PersonBirthDate": "d(birth)",
                "Gender": "CAST(gender AS VARCHAR)",
                "EthnicCategory": "CAST(ethnic AS VARCHAR)",
                "OrgIDSubICBLocResidence": "CAST(sub_icb AS VARCHAR)",
                "LSOA2011": "'E01' || lpad(CAST(lsoa AS VARCHAR), 6, '0')",
                "PersDeathDate": f"dm(death, {me})",
            },
            f"""FROM people JOIN (
                SELECT pid FROM referrals WHERE {active_ref}
                UNION SELECT pid FROM contacts WHERE cdate BETWEEN {ms} AND {me}
                UNION SELECT pid FROM spells WHERE {active_spell}
                UNION SELECT pid FROM stays WHERE {active_stay}
            ) USING (pid) ORDER BY pid""",
        ),
        "MHS101Referral": (
            {
                "OrgIDProv": org,
                "UniqServReqID": i["referral"],
                "LocalPatientId": i["person"],
                "OrgIDReferringOrg": "CAST(ref_org AS VARCHAR)",
                "ReferralRequestReceivedDate": "d(received)",
                "SourceOfReferralMH": "CAST(source AS VARCHAR)",
                "PrimReasonReferralMH": "CAST(reason AS VARCHAR)",
                "ClinRespPriorityType": "CAST(priority AS VARCHAR)",
                "UniqCareProfTeamLocalID": i["team"],
                "ServDischDate": f"dm(disch, {me})",
                "ReasonOAT": "CAST(oat AS VARCHAR)",
            },
            f"FROM referrals WHERE {active_ref} ORDER BY rid",
        ),
        "MHS105OnwardReferral": (
            {
                "OrgIDProv": org,
                "UniqServReqID": i["referral"],
                "OnwardReferDate": "d(odate)",
                "OATReason": "CAST(oat AS VARCHAR)",
                "OrgIDReceiving": "CAST(org AS VARCHAR)",
            },
            f"FROM onward WHERE odate BETWEEN {ms} AND {me} ORDER BY odate, rid",
        ),
        "MHS201CareContact": (
            {
                "OrgIDProv": org,
                "UniqCareContID": i["contact"],
                "UniqServReqID": i["referral"],
                "LocalPatientId": i["person"],
                "UniqCareProfTeamLocalID": i["team"],
                "CareContDate": "d(cdate)",
                "CareContTime": time_of_day,
                "ClinContDurOfCareCont": _when("duration >= 0", "CAST(duration AS VARCHAR)"),
                "ConsMechanismMH": "CAST(mech AS VARCHAR)",
                "AttendStatus": "CAST(attend AS VARCHAR)",
            },
            f"FROM contacts WHERE cdate BETWEEN {ms} AND {me} ORDER BY cid",
        ),
        "MHS501HospProvSpell": (
            {
                "OrgIDProv": org,
                "UniqHospProvSpellID": i["spell"],
                "UniqServReqID": i["referral"],
                "LocalPatientId": i["person"],
                "DecidedToAdmitDate": "d(decided)",
                "StartDateHospProvSpell": "d(sstart)",
                "SourceAdmMHHospProvSpell": "CAST(adm_src AS VARCHAR)",
                "MethAdmMHHospProvSpell": "CAST(adm_meth AS VARCHAR)",
                "EstimatedDischDateHospProvSpell": "dn(est)",
                "PlannedDischDateHospProvSpell": _when(
                    f"planned_set <= {me} AND planned > -100000", "d(planned)"
                ),
                "DischDateHospProvSpell": f"dm(disch, {me})",
                "MethOfDischMHHospProvSpell": _when(discharged, "CAST(dmeth AS VARCHAR)"),
                "DestOfDischHospProvSpell": _when(discharged, "CAST(ddest AS VARCHAR)"),
            },
            f"FROM spells WHERE {active_spell} ORDER BY sid",
        ),
        "MHS502WardStay": (
            {
                "OrgIDProv": org,
                "UniqWardStayID": i["stay"],
                "UniqHospProvSpellID": i["spell"],
                "LocalPatientId": i["person"],
                "StartDateWardStay": "d(wstart)",
                "EndDateWardStay": f"dm(wend, {me})",
                "WardCode": "CAST(ward_code AS VARCHAR)",
                "SiteIDOfWard": "CAST(site AS VARCHAR)",
                "MHAdmittedPatientClass": "CAST(bed_type AS VARCHAR)",
                "WardSecLevel": "CAST(sec AS VARCHAR)",
                "WardLocDistanceHome": "CAST(distance AS VARCHAR)",
            },
            f"FROM stays WHERE {active_stay} ORDER BY wsid",
        ),
        "MHS509HomeLeave": (
            {
                "OrgIDProv": org,
                "UniqHospProvSpellID": i["spell"],
                "StartDateHomeLeave": "d(lstart)",
                "EndDateHomeLeave": f"dm(lend, {me})",
            },
            f"FROM home_leave WHERE lstart <= {me} AND lend >= {ms} ORDER BY sid, lstart",
        ),
        "MHS510LeaveOfAbsence": (
            {
                "OrgIDProv": org,
                "UniqHospProvSpellID": i["spell"],
                "StartDateMHLeaveAbs": "d(lstart)",
                "EndDateMHLeaveAbs": f"dm(lend, {me})",
            },
            f"FROM loa WHERE lstart <= {me} AND lend >= {ms} ORDER BY sid, lstart",
        ),
        "MHS518ClinReadyforDischarge": (
            {
                "OrgIDProv": org,
                "MHS518UniqID": i["crfd"],
                "UniqHospProvSpellID": i["spell"],
                "StartDateClinReadyforDisch": "d(cstart)",
                "EndDateClinReadyforDisch": f"dm(cend, {me})",
                "ClinReadyforDischDelayReason": "CAST(reason AS VARCHAR)",
                "AttribToIndic": "CAST(attrib AS VARCHAR)",
                "OrgIDRespLAClinReadyforDisch": "CAST(la AS VARCHAR)",
            },
            f"FROM crfd WHERE cstart <= {me} AND cend >= {ms} ORDER BY crid",
        ),
        # bed days of the month (pipelines/synthetic/ward_details.py): the planned closure,
        # capped so that the available bed days cover the bed days the stays occupy
        "MHS903WardDetails": (
            {
                "OrgIDProv": org,
                "WardCode": "CAST(ward_code AS VARCHAR)",
                "SiteIDOfWard": "CAST(site AS VARCHAR)",
                "AvailBedDays": "CAST(capacity - closed AS VARCHAR)",
                "ClosedBedDays": "CAST(closed AS VARCHAR)",
            },
            f"""FROM (
                SELECT wd.*, LEAST(wd.planned_closed,
                                   GREATEST(wd.capacity - COALESCE(occ.occupied, 0), 0)) AS closed
                FROM ward_details AS wd
                LEFT JOIN (
                    SELECT ward, SUM(LEAST(wend, {me + 1}) - GREATEST(wstart, {ms})) AS occupied
                    FROM stays WHERE wstart <= {me} AND wend >= {ms} GROUP BY ward
                ) AS occ USING (ward)
                WHERE wd.month_start = {ms}
            ) ORDER BY ward""",
        ),
    }
    return {
        table: f"SELECT {_select(table, exprs)} {tail}" for table, (exprs, tail) in specs.items()
    }


def oap_log_query(code: str, ms: int, me: int) -> str:
    i = ids(code)
    exprs = {
        "PlacementID": i["placement"],
        "LocalPatientId": i["person"],
        "NHSNumber": "lpad(CAST(nhs AS VARCHAR), 10, '0')",
        "StartDate": "d(pstart)",
        "EndDate": f"dm(pend, {me})",
        "OrgIDReceiving": "CAST(receiver AS VARCHAR)",
        "ReasonOAT": "CAST(placements.reason AS VARCHAR)",
        "MHAdmittedPatientClass": "CAST(bed_type AS VARCHAR)",
        "DailyCostGBP": "CASE WHEN isnan(cost) THEN NULL ELSE printf('%.2f', cost) END",
    }
    return (
        f"SELECT {_select('oap_log', exprs)} FROM placements JOIN people USING (pid) "
        f"WHERE pstart <= {me} AND pend >= {ms} ORDER BY plid"
    )


def plics_query(code: str, month: int, ms: int, me: int) -> str:
    """Ward stay bed days and care contacts of the month, costed from the month's pools."""
    i = ids(code)
    exprs = {
        "ActivityType": "activity",
        "ActivityID": "activity_id",
        "LocalPatientId": "person",
        "CostPool": "pool",
        "CostGBP": "printf('%.2f', cost)",
    }
    return f"""
        WITH ws AS (
            SELECT wsid, pid, ward, LEAST(wend, {me + 1}) - GREATEST(wstart, {ms}) AS w
            FROM stays WHERE wstart <= {me} AND wend >= {ms}),
        ws2 AS (SELECT *, SUM(w) OVER (PARTITION BY ward) AS total FROM ws WHERE w > 0),
        cc AS (
            SELECT cid, pid, team,
                CASE WHEN CAST(attend AS VARCHAR) IN ('5', '6') THEN duration ELSE 10 END AS w
            FROM contacts WHERE cdate BETWEEN {ms} AND {me}),
        cc2 AS (SELECT *, SUM(w) OVER (PARTITION BY team) AS total FROM cc WHERE w > 0),
        costed AS (
            SELECT 0 AS k1, wsid AS k2, 'ward_stay_day' AS activity, {i["stay"]} AS activity_id,
                {i["person"]} AS person, p.pool, p.amount * w / total AS cost
            FROM ws2 JOIN pools p ON p.kind = 'ward' AND p.unit = ws2.ward AND p.month = {month}
            UNION ALL
            SELECT 1, cid, 'care_contact', {i["contact"]}, {i["person"]}, p.pool,
                p.amount * w / total
            FROM cc2 JOIN pools p ON p.kind = 'team' AND p.unit = cc2.team AND p.month = {month})
        SELECT {_select("plics", exprs)} FROM costed ORDER BY k1, k2, pool"""
