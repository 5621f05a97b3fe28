"""`pipeline sources detect URL` against careers pages served on 127.0.0.1, built like real ones."""

from __future__ import annotations

import json

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_config

HTML = "text/html"
ALLOW = "User-agent: *\nAllow: /\n"


def page(body, head="", title="Careers | Acme Health"):
    return (f"<!doctype html><html><head><title>{title}</title>{head}</head>"
            f"<body><header><a href='/'>Home</a></header>{body}</body></html>")


@pytest.fixture
def site(serve):
    """``site(path, html)``: serve a page (robots.txt allows all); returns its URL."""
    serve("/robots.txt", ALLOW, content_type="text/plain")

    def _site(path, html):
        return serve(path, html, content_type=HTML)

    return _site


@pytest.fixture
def config(tmp_path):
    """A jobs.yaml with fast, uncached HTTP settings and comments to keep."""
    path = tmp_path / "jobs.yaml"
    path.write_text(
        "# my alerts\n"
        "http:\n  per_host_interval: 0\n  retries: 0\n  cache_dir: null\n"
        "sources:\n"
        "  # the local folder\n"
        "  - name: local\n    type: files\n    path: postings\n"
        "\n# who gets digests\n"
        "subscribers:\n  - email: ops@example.org\n", encoding="utf-8")
    (tmp_path / "postings").mkdir()
    return path


def detect(config, url, *options):
    return CliRunner().invoke(cli, ["sources", "detect", url, "--config", str(config),
                                    *options])


def detected(config, url):
    result = detect(config, url, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


BOARDS = {
    "workday": (
        page("<a class='btn' href='https://acmehealth.wd5.myworkdayjobs.com/en-US/"
             "AcmeCareers'>Search all jobs</a>"),
        {"type": "workday", "careers_url": "https://acmehealth.wd5.myworkdayjobs.com/AcmeCareers"}),
    "workday-inline-script": (
        page("<div id='jobs'></div><script>window.jobsConfig = {\"endpoint\": "
             "\"https://acmehealth.wd1.myworkdayjobs.com/wday/cxs/acmehealth/External/jobs\"};"
             "</script>"),
        {"type": "workday", "careers_url": "https://acmehealth.wd1.myworkdayjobs.com/External"}),
    "oracle": (
        page("<a href='https://eabc.fa.us2.oraclecloud.com/hcmUI/CandidateExperience/en/sites/"
             "CX_1/requisitions?keyword=nurse'>Nursing careers</a>"),
        {"type": "oracle",
         "careers_url": "https://eabc.fa.us2.oraclecloud.com/hcmUI/CandidateExperience/en/sites/CX_1"}),
    "icims": (
        page("<iframe id='icims_content_iframe' src='https://careers-acmehealth.icims.com/jobs/"
             "search?ss=1&amp;in_iframe=1' scrolling='no'></iframe>"
             "<p>Powered by <a href='https://www.icims.com'>iCIMS</a></p>"),
        {"type": "icims", "portal": "https://careers-acmehealth.icims.com"}),
    "greenhouse": (
        page("<div id='grnhse_app'></div>", head="<script src='https://boards.greenhouse.io/"
             "embed/job_board/js?for=acmehealth'></script>"),
        {"type": "greenhouse", "board": "acmehealth"}),
    "lever": (
        page("<a href='https://jobs.lever.co/acmehealth?department=Clinical'>Open roles</a>"),
        {"type": "lever", "site": "acmehealth"}),
    "ashby": (
        page("<div id='ashby_embed'></div><script src='https://jobs.ashbyhq.com/acme-health/"
             "embed?version=2'></script>"),
        {"type": "ashby", "board": "acme-health"}),
    "smartrecruiters": (
        page("<a href='https://careers.smartrecruiters.com/AcmeHealth1'>See openings</a>"),
        {"type": "smartrecruiters", "company": "AcmeHealth1"}),
    "workable": (
        page("<a href='https://apply.workable.com/acme-health/'>Join us</a>"),
        {"type": "workable", "account": "acme-health"}),
}


NAMES = {"oracle": "eabc-oracle", "ashby": "acme-health-ashby",
         "smartrecruiters": "acmehealth1-smartrecruiters", "workable": "acme-health-workable"}


@pytest.mark.parametrize("kind", sorted(BOARDS))
def test_board_named_in_the_page_is_recognised(site, config, kind):
    html, expected = BOARDS[kind]
    found = detected(config, site("/careers", html))
    assert {k: v for k, v in found.items() if k != "name"} == expected
    assert found["name"] == NAMES.get(kind, f"acmehealth-{expected['type']}")


def test_board_address_pasted_directly_needs_no_request(config):
    found = detected(config, "https://job-boards.greenhouse.io/acmehealth/jobs/4012")
    assert found == {"name": "acmehealth-greenhouse", "type": "greenhouse", "board": "acmehealth"}


def test_jibe_site_is_recognised_by_its_scripts(site, config):
    url = site("/jobs", page("<div id='jibe-container'></div>", head="<script src='https://"
                             "assets.jibecdn.com/prod/acmehealth/0.3.1/app.js'></script>"))
    found = detected(config, url)
    assert found["type"] == "jibe" and found["api"] == url.replace("/jobs", "/api/jobs")
    assert found["name"] == "localhost-jibe"  # named after the host


def test_linked_feed_is_recognised(site, config):
    url = site("/careers", page("<p>Openings</p>", head="<link rel='alternate' "
               "type='application/rss+xml' title='Jobs' href='/careers/feed.rss'>"))
    assert detected(config, url)["feed"] == url + "/feed.rss"


def test_page_with_job_posting_json_ld(site, config):
    posting = {"@context": "https://schema.org", "@type": "JobPosting", "title": "RN Case Manager",
               "hiringOrganization": {"@type": "Organization", "name": "Acme Health"}}
    url = site("/jobs/rn-case-manager", page(
        "<h1>RN Case Manager</h1>",
        head=f"<script type='application/ld+json'>{json.dumps(posting)}</script>"))
    found = detected(config, url)
    assert found["type"] == "jsonld" and found["pages"] == [url]


def test_links_are_followed_one_level(site, config):
    site("/about/openings", page("<div id='grnhse_app'></div><script src='https://boards."
                                 "greenhouse.io/embed/job_board/js?for=acmehealth'></script>"))
    url = site("/careers", page("<a href='/about/team'>Team</a>"
                                "<a href='/about/openings'>View current openings</a>"))
    assert detected(config, url)["board"] == "acmehealth"


def test_listing_linking_to_json_ld_job_pages_becomes_a_listing(site, config):
    posting = {"@context": "https://schema.org", "@type": "JobPosting", "title": "Care Manager"}
    site("/jobs/care-manager", page("<h1>Care Manager</h1>", head="<script type='application/"
                                    f"ld+json'>{json.dumps(posting)}</script>"))
    url = site("/careers", page("<ul><li><a href='/jobs/care-manager'>Care Manager</a></li></ul>"))
    found = detected(config, url)
    assert found["type"] == "jsonld" and found["listing"] == url


def test_unrecognised_page_is_exit_1_saying_what_was_seen(site, config):
    url = site("/careers", page("<p>Send your resume to hr@acme.example</p>"
                                "<a href='/benefits'>Benefits</a>", title="Work with us"))
    result = detect(config, url)
    assert result.exit_code == 1
    assert f"no job board recognised at {url}" in result.output
    assert "'Work with us'" in result.output
    assert "no board address, feed or JobPosting" in result.output


def test_robots_txt_is_honoured(serve, config):
    serve("/robots.txt", "User-agent: *\nDisallow: /careers\n", content_type="text/plain")
    url = serve("/careers", BOARDS["lever"][0], content_type=HTML)
    result = detect(config, url)
    assert result.exit_code == 1 and "disallowed by the site's robots.txt" in result.output


def test_add_appends_the_entry_keeping_comments(site, config):
    url = site("/careers", BOARDS["lever"][0])
    result = detect(config, url, "--add")
    assert result.exit_code == 0, result.output
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# my alerts\n") and "  # the local folder\n" in text
    assert "  - name: acmehealth-lever\n    type: lever\n    site: acmehealth\n\n# who gets" in text
    assert [s.name for s in load_config(config).sources] == ["local", "acmehealth-lever"]
    again = detect(config, url, "--add", "--json")
    assert json.loads(again.stdout.splitlines()[0])["name"] == "acmehealth-lever-2"
    assert [s["name"] for s in yaml.safe_load(config.read_text())["sources"]][-1] == (
        "acmehealth-lever-2")


def test_add_without_a_config_file_loses_nothing(site, tmp_path):
    url = site("/careers", BOARDS["lever"][0])
    result = detect(tmp_path / "missing.yaml", url, "--add")
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not (tmp_path / "missing.yaml").exists()


def test_add_to_a_file_without_a_final_newline(site, config):
    config.write_text("sources:\n  - name: local\n    type: files\n    path: postings",
                      encoding="utf-8")
    assert detect(config, site("/careers", BOARDS["ashby"][0]), "--add").exit_code == 0
    assert [s.name for s in load_config(config).sources] == ["local", "acme-health-ashby"]


def test_a_workday_job_address_is_added_as_its_site(config):
    url = "https://acmehealth.wd5.myworkdayjobs.com/en-US/AcmeCareers/details/RN_R123"
    added = detect(config, url, "--add")
    assert added.exit_code == 0, added.output
    (_local, board) = load_config(config).sources
    assert (board.type, board.careers_url) == (
        "workday", "https://acmehealth.wd5.myworkdayjobs.com/AcmeCareers")
