"""The four importers on good, malformed and hostile files, and what an import changes
for agents (R-ELIG-6): lost eligibility stops offers at once and routes them on."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from agents.models import Agent, Invitation
from eligibility.importers import IMPORTERS, Report, run_import
from eligibility.models import Coverage, FfmRegistration, ImportRun, License, Termination
from eligibility.recheck import cms_reasons
from hod.testing import WEEKDAY_MORNING, make_agent, request_referral
from notifications.models import Message
from referrals.models import Offer, Outcome

pytestmark = pytest.mark.django_db
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
FFM_HEADER = (
    "NPN,Applicable Plan Year,Individual Registration Completion Date,Individual Marketplace End Date,"
    "Shop Registration Completion Date,Shop End Date,NPN Valid (Current Plan Year Only)\n"
)
MLMS_HEADER = (
    "NPN,First Name,Last Name,Email,Languages,Resident State,Display Option,HOD Training Completed,Plan Year\n"
)
LICENSE_HEADER = "NPN,State,License Number,Resident (Y/N),Active (Y/N),Expiration Date,Line of Authority,LOA Status\n"


def load(kind: str, content: str | bytes, *, skip_invalid: bool = False) -> Report:
    data = content.encode() if isinstance(content, str) else content
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        return run_import(
            IMPORTERS[kind](), lambda: io.BytesIO(data), file_name=f"{kind}.csv", skip_invalid=skip_invalid
        )


def load_samples() -> None:
    for kind, name in [
        ("mlms", "mlms.csv"),
        ("ffm", "ffm_registration.csv"),
        ("terminations", "ffm_terminations.csv"),
        ("licenses", "licenses.csv"),
    ]:
        report = load(kind, (SAMPLES / name).read_bytes())
        assert report.applied, report.errors


# --- The samples, end to end ------------------------------------------------------------


def test_samples_make_two_agents_eligible_and_invite_them() -> None:
    load_samples()
    eligible_on_cms = {
        a.npn for a in Agent.objects.all() if set(a.ineligibility) <= {"registration_incomplete", "no_location"}
    }
    assert eligible_on_cms == {"17000001", "17000002"}
    # Not signed up yet (no ZIP, no terms), and besides:
    assert cms_reasons(Agent.objects.get(npn="17000003").ineligibility) == ["terminated"]  # termination list
    assert cms_reasons(Agent.objects.get(npn="17000004").ineligibility) == ["no_health_license"]  # Medicare supp.
    invited = Message.objects.filter(template="invitation").values_list("to", flat=True)
    assert sorted(invited) == ["ana.reyes@agents.example", "bao.nguyen@agents.example"]
    assert Invitation.objects.count() == 2


def test_reimporting_the_same_files_changes_nothing() -> None:
    load_samples()
    ffm = load("ffm", (SAMPLES / "ffm_registration.csv").read_bytes())
    lic = load("licenses", (SAMPLES / "licenses.csv").read_bytes())
    mlms = load("mlms", (SAMPLES / "mlms.csv").read_bytes())
    assert ffm.changes == {"added": 0, "changed": 0, "removed": 0}
    assert lic.changes == {"producers": 4, "changed": 0, "unchanged": 4}
    assert mlms.changes == {"added": 0, "changed": 0}
    assert Invitation.objects.count() == 2  # nobody is invited twice


# --- FFM Registration Completion List ---------------------------------------------------


def test_headers_any_case_with_bom_and_old_snake_case() -> None:
    upper = "\ufeff" + FFM_HEADER.upper() + "1234567,2027,09/01/2026,,,,-\n"
    snake = (
        "npn,applicable_plan_year,individual_registration_completion_date,individual_marketplace_end_date\n"
        "7654321,2027,09/01/2026,null\n"
    )
    assert load("ffm", upper.encode("utf-8")).changes["added"] == 1
    assert load("ffm", snake).changes["added"] == 1
    # The second file is the whole 2027 list: the first NPN left it.
    assert list(FfmRegistration.objects.values_list("npn", flat=True)) == ["7654321"]


def test_bad_rows_are_named_and_nothing_is_written() -> None:
    content = FFM_HEADER + (
        "1234567,2027,09/01/2026,,,,-\n"
        "12A4567,2027,09/01/2026,,,,-\n"
        "2345678,2027,13/45/2026,,,,-\n"
        "3456789,27,09/01/2026,,,,-\n"
        "4567890,2027,09/01/2026,08/01/2026,,,-\n"
    )
    report = load("ffm", content)
    assert not report.applied
    assert report.errors == [
        "line 3, column NPN: '12A4567' is not an NPN (7 to 10 digits)",
        "line 4, column Individual Registration Completion Date: '13/45/2026' is not a date (MM/DD/YYYY)",
        "line 5, column Applicable Plan Year: '27' is not a plan year (2014 to 2100)",
        "line 6, column Individual Marketplace End Date: ends before the registration was completed",
    ]
    assert FfmRegistration.objects.count() == 0
    run = ImportRun.objects.get()
    assert (run.applied, run.rows, run.rejected_rows) == (False, 5, 4)


def test_skip_invalid_imports_the_good_rows_only() -> None:
    content = FFM_HEADER + "1234567,2027,09/01/2026,,,,-\n12A4567,2027,09/01/2026,,,,-\n"
    report = load("ffm", content, skip_invalid=True)
    assert report.applied and report.error_count == 1
    assert list(FfmRegistration.objects.values_list("npn", flat=True)) == ["1234567"]


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "the file is empty"),
        (
            b"NPN,Plan\n1234567,2027\n",
            "line 1: missing column(s) Applicable Plan Year, Individual Registration "
            "Completion Date, Individual Marketplace End Date; the header has NPN, Plan",
        ),
        (FFM_HEADER.encode() + b"1234567,2027,\xff\xfe,,,,-\n", "line 2 is not valid UTF-8 text (byte 13)"),
        (FFM_HEADER.encode() + b'1234567,2027,"09/01/2026,,,,-\n', "line 2: unexpected end of data"),
        (
            FFM_HEADER.encode() + b"1234567,2027," + b"9" * (50 * 1024 * 1024) + b"\n",
            "line 2 is longer than 65,536 characters: is this the right file?",
        ),
    ],
    ids=["empty", "wrong-headers", "not-utf8", "open-quote", "50MB-line"],
)
def test_unreadable_files_are_refused_whole(content: bytes, error: str) -> None:
    FfmRegistration.objects.create(npn="9999999", plan_year=2027, individual_completed_on=date(2026, 9, 1))
    report = load("ffm", content)
    assert not report.applied
    assert report.errors == [error]
    assert list(FfmRegistration.objects.values_list("npn", flat=True)) == ["9999999"]


def test_an_npn_listed_twice_keeps_its_latest_registration() -> None:
    content = FFM_HEADER + "1234567,2027,09/01/2026,10/01/2026,,,-\n1234567,2027,10/15/2026,,,,-\n"
    assert load("ffm", content).changes == {"added": 1, "changed": 0, "removed": 0}
    reg = FfmRegistration.objects.get()
    assert (reg.individual_completed_on, reg.individual_ended_on) == (date(2026, 10, 15), None)


def test_npn_leaving_the_list_stops_referrals_and_withdraws_the_pending_offer() -> None:
    ana = make_agent("Ana", languages=["es"])
    diego = make_agent("Diego", zip_code="85701", languages=["es"])
    keep = f"{diego.npn},2027,09/01/2026,,,,-\n"
    referral = request_referral(language="es")
    offer = Offer.objects.get(referral=referral)
    assert offer.agent_id == ana.pk

    report = load("ffm", FFM_HEADER + keep)

    assert report.changes == {"added": 0, "changed": 0, "removed": 1}
    assert report.lost_eligibility == {ana.npn: ["not_registered"]}
    assert report.offers_withdrawn == 1
    offer.refresh_from_db()
    assert offer.outcome == Outcome.WITHDRAWN
    assert Offer.objects.get(referral=referral, outcome=Outcome.PENDING).agent_id == diego.pk
    assert not Coverage.objects.filter(agent=ana).exists()
    ana.refresh_from_db()
    assert not ana.eligible and ana.ineligibility == ["not_registered"]


# --- Termination List -------------------------------------------------------------------

TERM_HEADER = (
    "NPN,Status,Marketplaces,Effective Plan Year,Registration Completion Date,Termination or Suspension Date\n"
)


def test_terminated_loses_eligibility_reinstated_and_shop_only_do_not() -> None:
    terminated, reinstated, shop = make_agent("Ana"), make_agent("Bea"), make_agent("Cy")
    content = TERM_HEADER + (
        f"{terminated.npn},Terminated,BOTH,2027,09/01/2026,11/20/2026\n"
        f"{reinstated.npn},Reinstated,INDIVIDUAL,2027,09/01/2026,11/01/2026\n"
        f"{shop.npn},Suspended,SHOP,2027,09/01/2026,11/01/2026\n"
    )
    report = load("terminations", content)
    assert report.lost_eligibility == {terminated.npn: ["terminated"]}
    assert Termination.objects.count() == 3
    assert Agent.objects.get(pk=reinstated.pk).eligible and Agent.objects.get(pk=shop.pk).eligible


def test_termination_rows_are_validated() -> None:
    report = load("terminations", TERM_HEADER + "1234567,Terminated,FEDERAL,2027,,11/20/2026\n")
    assert report.errors == ["line 2, column Marketplaces: 'FEDERAL' is not one of BOTH, INDIVIDUAL, SHOP"]


# --- Licenses ---------------------------------------------------------------------------


def test_license_csv_lapse_stops_referrals() -> None:
    ana = make_agent("Ana")
    lapsed = LICENSE_HEADER + f"{ana.npn},AZ,AZ-1,Y,N,12/31/2028,Accident and Health or Sickness,Active\n"
    report = load("licenses", lapsed)
    assert report.lost_eligibility == {ana.npn: ["no_health_license"]}
    assert License.objects.get(npn=ana.npn).number == "AZ-1"  # the file's licenses replace the old ones


def test_license_csv_errors_refuse_the_whole_producer() -> None:
    ana = make_agent("Ana")
    content = LICENSE_HEADER + (
        f"{ana.npn},AZ,AZ-1,Y,Y,12/31/2028,Accident and Health or Sickness,Active\n"
        f"{ana.npn},ZZ,ZZ-1,Y,Y,12/31/2028,Health,Active\n"
    )
    report = load("licenses", content, skip_invalid=True)
    assert report.errors == ["line 3, column State: 'ZZ' is not a US state code"]
    assert report.changes == {"producers": 0, "changed": 0, "unchanged": 0}
    assert License.objects.get(npn=ana.npn).number == f"AZ-{ana.npn}"  # kept as it was


def test_pdb_xml_sample_is_read_with_its_lines_of_authority() -> None:
    report = load("licenses", (SAMPLES / "licenses_pdb.xml").read_bytes())
    assert report.applied and report.changes["producers"] == 1
    licenses = {lic.state: lic for lic in License.objects.filter(npn="17000001").prefetch_related("lines")}
    assert set(licenses) == {"AZ", "UT"}
    assert licenses["AZ"].resident and not licenses["UT"].resident
    line = licenses["UT"].lines.get()
    assert (line.text, line.code, line.is_health) == ("Accident & Health", "AH", True)


PDB_LICENSE = """<?xml version="1.0"?>
<PDB><PRODUCER><INDIVIDUAL>
<ENTITY_BIOGRAPHIC><BIOGRAPHIC><NPN>{npn}</NPN></BIOGRAPHIC></ENTITY_BIOGRAPHIC>
<PRODUCER_LICENSING><LICENSE_INFORMATION><STATE name="AZ"><LICENSE>
<LICENSE_NUM>1</LICENSE_NUM><DATE_EXPIRE_LICENSE>{expires}</DATE_EXPIRE_LICENSE><ACTIVE>Yes</ACTIVE>
<DETAILS><DETAIL><LOA>Accident and Health</LOA><STATUS>Active</STATUS></DETAIL></DETAILS>
</LICENSE></STATE></LICENSE_INFORMATION></PRODUCER_LICENSING>
</INDIVIDUAL></PRODUCER></PDB>
"""


@pytest.mark.parametrize(
    ("xml", "error"),
    [
        (
            PDB_LICENSE.format(npn="1234567", expires="2028-12-31"),
            "line 5, column DATE_EXPIRE_LICENSE: '2028-12-31' is not a date (MM/DD/YYYY)",
        ),
        (
            PDB_LICENSE.format(npn="ABC", expires="12/31/2028"),
            "line 3, column NPN: 'ABC' is not an NPN (7 to 10 digits)",
        ),
    ],
)
def test_pdb_xml_bad_values_name_the_line_and_element(xml: str, error: str) -> None:
    report = load("licenses", xml)
    assert report.errors == [error]
    assert not License.objects.exists()


@pytest.mark.parametrize(
    ("xml", "error"),
    [
        (
            PDB_LICENSE.format(npn="1234567", expires="12/31/2028")[:300],
            "line 5: the XML is malformed or ends early (unclosed token)",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE PDB [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            "<PDB><PRODUCER>&b;</PRODUCER></PDB>",
            "the XML declares entities or external references, which are refused for safety (EntitiesForbidden)",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE PDB [<!ENTITY x SYSTEM "file:///etc/passwd">]><PDB>&x;</PDB>',
            "the XML declares entities or external references, which are refused for safety (EntitiesForbidden)",
        ),
        ('<?xml version="1.0"?><REPORT/>', "the XML holds no PDB/PRODUCER element: is this an NIPR PDB report?"),
    ],
    ids=["truncated", "billion-laughs", "external-entity", "not-pdb"],
)
def test_hostile_or_broken_xml_is_refused_whole(xml: str, error: str) -> None:
    report = load("licenses", xml)
    assert (report.applied, report.errors) == (False, [error])
    assert not License.objects.exists()


# --- MLMS -------------------------------------------------------------------------------


def test_mlms_creates_agents_and_updates_name_email_and_display_option() -> None:
    ana = make_agent("Ana")
    row = f"{ana.npn},Ana María,Reyes,NEW@agents.example,es;en,AZ,4,10/05/2026,2027\n"
    report = load("mlms", MLMS_HEADER + row + "7777777,Li,Wu,li@agents.example,zh,FL,1,,2027\n")
    ana.refresh_from_db()
    assert (ana.first_name, ana.email, ana.languages, ana.display_option) == (
        "Ana María",
        "new@agents.example",
        ["es", "en"],
        4,
    )
    assert report.agents_added == ["7777777"]
    assert report.lost_eligibility == {ana.npn: ["display_option_4"]}
    assert Agent.objects.get(npn="7777777").hod_training_plan_year is None


def test_mlms_rows_are_validated_with_exact_messages() -> None:
    content = MLMS_HEADER + (
        "1234567,Ana,Reyes,not-an-email,en,AZ,1,,2027\n"
        "2345678,Bo,Li,bo@agents.example,en;xx,AZ,1,,2027\n"
        "3456789,Cy,Ng,cy@agents.example,en,ZZ,1,,2027\n"
        "4567890,Di,Ox,di@agents.example,en,AZ,5,,2027\n"
        "5678901,,Ox,ed@agents.example,en,AZ,1,,2027\n"
        "1234567,Ana,Reyes,ana@agents.example,en,AZ,1,,2027\n"
        "6789012,Fa,Ox,fa@agents.example,en,AZ,1,2026-10-01,2027\n"
    )
    report = load("mlms", content)
    assert report.errors == [
        "line 2, column Email: 'not-an-email' is not an email address",
        "line 3, column Languages: 'xx' not among the HealthCare.gov languages (en, es, zh, ht, fr, de, gu, hi, it, "
        "ja, ko, pl, pt, ru, tl, vi)",
        "line 4, column Resident State: 'ZZ' is not a US state code",
        "line 5, column Display Option: '5' is not 1, 2, 3 or 4",
        "line 6, column First Name: is empty",
        "line 8, column HOD Training Completed: '2026-10-01' is not a date (MM/DD/YYYY)",
    ]
    assert not Agent.objects.exists()


def test_mlms_npn_listed_twice_is_refused() -> None:
    content = MLMS_HEADER + "1234567,Ana,Reyes,a@x.example,en,AZ,1,,2027\n1234567,Ana,R,a@x.example,en,AZ,1,,2027\n"
    assert load("mlms", content).errors == ["line 3, column NPN: 1234567 is listed again (first on line 2)"]


# --- Command line ------------------------------------------------------------------------


def test_command_prints_the_summary_and_fails_on_bad_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text(FFM_HEADER + "1234567,2027,09/01/2026,,,,-\n12A4567,2027,09/01/2026,,,,-\n")
    with pytest.raises(CommandError, match=r"list.csv: nothing imported \(1 error\(s\)\)"):
        call_command("import_ffm", str(bad))
    assert "line 3, column NPN: '12A4567' is not an NPN (7 to 10 digits)" in capsys.readouterr().err
    call_command("import_ffm", str(bad), "--skip-invalid")
    out = capsys.readouterr().out
    assert "rows read: 2" in out and "rows refused: 1" in out and "added: 1" in out
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_mlms", str(tmp_path / "missing.csv"))


# --- Admin upload -------------------------------------------------------------------------


def test_operator_uploads_a_file_in_the_admin_and_reads_what_changed(admin_client: object) -> None:
    ana = make_agent("Ana")
    lapsed = LICENSE_HEADER + f"{ana.npn},AZ,AZ-1,Y,N,12/31/2028,Accident and Health or Sickness,Active\n"
    upload = io.BytesIO(lapsed.encode())
    upload.name = "licenses.csv"
    with time_machine.travel(WEEKDAY_MORNING, tick=False):
        page = admin_client.post(  # type: ignore[attr-defined]
            "/admin/eligibility/importrun/add/", {"kind": "licenses", "file": upload}, follow=True
        )
    body = page.content.decode()
    assert "Imported: 1 rows read, 0 refused." in body
    assert f"{ana.npn}: You hold no active state license with a health line of authority." in body
    assert ImportRun.objects.get().by == "admin"


def test_admin_upload_with_bad_rows_imports_nothing_and_lists_them(admin_client: object) -> None:
    upload = io.BytesIO((FFM_HEADER + "12A4567,2027,09/01/2026,,,,-\n").encode())
    upload.name = "ffm.csv"
    page = admin_client.post(  # type: ignore[attr-defined]
        "/admin/eligibility/importrun/add/", {"kind": "ffm", "file": upload}, follow=True
    )
    body = page.content.decode().replace("&#x27;", "'")
    assert "Nothing was imported: the file has 1 error(s), listed below." in body
    assert "line 2, column NPN: '12A4567' is not an NPN (7 to 10 digits)" in body
    assert not FfmRegistration.objects.exists()
