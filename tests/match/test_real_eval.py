"""``pipeline eval`` and ``pipeline tune`` on graded real postings: per dataset, per country,
the HTML report, and leave-one-dataset-out tuning, on a small folder in the real formats."""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import numpy as np
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.match import Matcher, load_profile
from pipeline.match.fit_grades import load_fit_rule
from pipeline.match.real_eval import load_real
from pipeline.match.resume_kinds import ResumeKind, load_kinds
from pipeline.match.resume_kinds import controls as kind_controls
from pipeline.match.tuning.tune_datasets import _dataset_table, search_pool, tune_datasets

ROOT = Path(__file__).resolve().parents[2]
PROFILE = ROOT / "models" / "care_manager.yaml"

CARE = ("Assess patients with complex chronic conditions, develop and monitor care plans, "
        "coordinate discharge planning and transitions of care, and link patients with community "
        "resources. Utilization review with InterQual. Current registration required.")
NHS = [("Care Co-ordinator - Band 6", CARE, 2),
       ("Community Staff Nurse - Band 5", "Deliver nursing care to patients at home; wound care "
        "and medicines. NMC registration.", 1),
       ("Finance Assistant", "Process invoices and reconcile ledgers for the finance team.", 0),
       ("Estates Porter", "Move equipment and deliver post around the hospital site.", 0)]
LINKEDIN = [("RN Case Manager", CARE + " Active RN license.", 2),
            ("Patient Navigator", "Help patients schedule appointments and find resources.", 1),
            ("Software Engineer", "Build Python services and REST APIs on Kubernetes.", 0),
            ("Retail Sales Associate", "Greet customers and run the register.", 0)]
INDEED = [("Data Analyst", "SQL dashboards and reporting for the finance team.", 0),
          ("Mechanical Engineer", "Design HVAC systems with CAD tools.", 0)]


def _write_folder(base: Path) -> tuple[Path, Path, Path]:
    """Postings in the NHS, LinkedIn and Indeed formats, their labels, and two resumes."""
    postings = base / "postings"
    postings.mkdir()
    with (postings / "nhs_mini.jsonl").open("w", encoding="utf-8") as handle:
        for number, (title, text, _) in enumerate(NHS):
            handle.write(json.dumps({"@type": "JobPosting", "title": title,
                                     "description": f"&lt;p&gt;{text}&lt;/p&gt;",
                                     "hiringOrganization": {"name": "North Trust"},
                                     "url": f"https://jobs.example/vacancy/{900 + number}"}) + "\n")
    with (postings / "linkedin_mini.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["job_id", "company_name", "title", "description"])
        writer.writerows((str(500 + n), "Lakeview Health", t, d)
                         for n, (t, d, _) in enumerate(LINKEDIN))
    with (postings / "indeed_mini.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["", "Search", "Position", "Company", "Description"])
        writer.writerows(("0", "tech", t, "Elm Works", d) for t, d, _ in INDEED)
    labels = base / "labels.csv"
    rows = ([("nhs_mini", str(900 + n), g) for n, (_, _, g) in enumerate(NHS)]
            + [("linkedin_mini", str(500 + n), g) for n, (_, _, g) in enumerate(LINKEDIN)]
            + [("indeed_mini", str(n), g) for n, (_, _, g) in enumerate(INDEED)])
    labels.write_text("dataset,posting_id,pass1,pass2,grade\n" + "".join(
        f"{d},{i},{g},{g},{g}\n" for d, i, g in rows), encoding="utf-8")
    resumes = base / "resumes"
    resumes.mkdir()
    (resumes / "rn.txt").write_text("Registered Nurse (RN), case manager: care plans, discharge "
                                    "planning, utilization review.", encoding="utf-8")
    (resumes / "engineer.txt").write_text("Software engineer: Python, Kubernetes, REST APIs.",
                                          encoding="utf-8")
    (resumes / "README.md").write_text("How these resumes were written.", encoding="utf-8")
    return labels, postings, resumes


def _config(base: Path) -> Path:
    config = base / "jobs.yaml"
    config.write_text(yaml.safe_dump({
        "profile": {"path": str(PROFILE)},
        "matching": {"labels": str(ROOT / "fixtures" / "labels.csv")},
        "sources": [{"name": "local", "type": "files", "path": str(base)}]}), encoding="utf-8")
    return config


def _run(base: Path, command: str, *args: str):
    return CliRunner().invoke(cli, [command, "--config", str(_config(base)), *args])


def test_eval_reports_each_dataset_and_country_for_every_method_and_query(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    result = _run(tmp_path, "eval", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data["groups"]) == ["dataset:indeed_mini", "dataset:linkedin_mini",
                                    "dataset:nhs_mini", "country:UK", "country:US"]
    assert data["groups"]["country:US"] == {"2": 1, "1": 1, "0": 4}  # LinkedIn and Indeed
    assert len(data["rows"]) == 5 * 3 * 4  # groups x (profile + 2 resumes) x methods
    assert {r["query"] for r in data["rows"]} == {"profile", "resume:rn", "resume:engineer"}
    assert {r["method"] for r in data["rows"]} == {"matcher", "tfidf", "title_tfidf", "bm25"}
    row = next(r for r in data["rows"] if r["group"] == "dataset:linkedin_mini"
               and r["query"] == "resume:rn" and r["method"] == "matcher")
    assert row["ndcg@10"] == 1.0 and row["map"] == 1.0 and row["p@10"] == 0.1
    # A dataset with no positive: every metric skipped, and the report says why.
    assert data["skipped"]["dataset:indeed_mini"] == {
        "ndcg@10": "no posting of grade 1 or 2", "ndcg@50": "no posting of grade 1 or 2",
        "map": "no posting of grade 2", "p@10": "no posting of grade 2"}
    assert all(r["ndcg@10"] is None for r in data["rows"] if r["group"] == "dataset:indeed_mini")


def test_the_table_names_skipped_metrics(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    result = _run(tmp_path, "eval", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes))
    assert result.exit_code == 0, result.output
    assert "dataset:indeed_mini: 2 postings (grade 2: 0, 1: 0, 0: 2)" in result.output
    assert "ndcg@10 skipped: no posting of grade 1 or 2" in result.output
    assert re.search(r"resume:engineer\s+title_tfidf", result.output)


def test_the_html_report_embeds_png_plots_and_each_top_ten(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    page = tmp_path / "out" / "report.html"
    result = _run(tmp_path, "eval", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes), "--html", str(page))
    assert result.exit_code == 0, result.output
    text = page.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', text)
    assert len(images) == 3
    assert all(base64.b64decode(i).startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    assert f"pipeline eval --labels {labels} --postings {postings}" in text
    assert "<h3>country:UK</h3>" in text and "no posting of grade 2" in text
    assert "dataset:nhs_mini / resume:engineer" in text
    assert "Care Co-ordinator - Band 6" in text


def test_real_labels_without_the_postings_folder_say_what_to_add(tmp_path):
    labels, _, _ = _write_folder(tmp_path)
    result = _run(tmp_path, "eval", "--labels", str(labels))
    assert result.exit_code == 2
    assert "names real postings: add --postings FOLDER" in result.output


def test_a_bad_grade_is_refused_with_its_line(tmp_path):
    labels, postings, _ = _write_folder(tmp_path)
    labels.write_text(labels.read_text(encoding="utf-8").replace(
        "nhs_mini,901,1,1,1", "nhs_mini,901,1,2,x"), encoding="utf-8")
    result = _run(tmp_path, "eval", "--labels", str(labels), "--postings", str(postings))
    assert result.exit_code == 2
    assert "labels.csv:3: grade must be 0, 1 or 2 (got 'x')" in result.output


def test_tune_holds_out_each_dataset_that_has_a_positive(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    settings = tmp_path / "models" / "tuned.settings.yaml"
    result = _run(tmp_path, "tune", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes), "--output", str(settings), "--trials", "4")
    assert result.exit_code == 0, result.output
    tuned = yaml.safe_load(settings.read_text(encoding="utf-8"))["tuned"]
    assert tuned["validation"] == "leave-one-dataset-out" and tuned["metric"] == "ndcg@10"
    assert isinstance(tuned["kept_current_weights"], bool)
    # indeed_mini has no positive; the fixtures' labels (matching.labels) are one more dataset
    assert set(tuned["held_out"]) == {"linkedin_mini", "nhs_mini", "fixtures (labels.csv, MAP)"}
    assert (settings.parent / "tuned.calibration.yaml").exists()
    assert "held-out NDCG@10 per dataset" in result.output


def test_each_held_out_figure_comes_from_weights_chosen_on_the_other_datasets(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    graded, found, texts = load_real(labels, postings, resumes)
    matcher = Matcher(load_profile(PROFILE))
    table = _dataset_table(matcher, search_pool(matcher.weights, 6, 3), found, graded, texts,
                           "ndcg@50")
    result = tune_datasets(matcher, found, graded, texts, trials=6, seed=3, metric="ndcg@50")
    for held, other in (("nhs_mini", "linkedin_mini"), ("linkedin_mini", "nhs_mini")):
        chosen = int(np.argmax(table[other]))
        assert result.held_out[held] == round(float(table[held][chosen]), 4)
        assert result.held_out_start[held] == round(float(table[held][0]), 4)


TECH = [(f"{kind} Engineer", f"Build {kind.lower()} services in Python and Go; REST APIs on "
         "Kubernetes, Kafka, PostgreSQL, Terraform on AWS.", 0)
        for kind in ("Backend", "Platform", "Data", "Site Reliability", "Cloud", "API",
                     "Infrastructure", "Python", "Go", "DevOps", "Streaming")]


def _control_folder(base: Path) -> tuple[dict, dict, dict]:
    """One NHS-style dataset of 16 postings (one core) and a care and a control resume."""
    labels, postings, resumes = _write_folder(base)
    with (postings / "nhs_mini.jsonl").open("a", encoding="utf-8") as handle:
        for number, (title, text, _) in enumerate(TECH):
            handle.write(json.dumps({"title": title, "description": text,
                                     "hiringOrganization": {"name": "North Trust"},
                                     "url": f"https://jobs.example/vacancy/{950 + number}"}) + "\n")
    with labels.open("a", encoding="utf-8") as handle:
        handle.writelines(f"nhs_mini,{950 + n},0,0,0\n" for n in range(len(TECH)))
    (resumes / "resumes.csv").write_text("resume,kind,licences\nrn,care,RN\n"
                                         "engineer,control,\n", encoding="utf-8")
    return load_real(labels, postings, resumes)


def test_tuning_counts_a_core_posting_in_the_controls_top_ten_as_a_loss(tmp_path):
    graded, found, texts = _control_folder(tmp_path)
    matcher = Matcher(load_profile(PROFILE))
    start = matcher.weights
    # no resume gate and no resume weight: the control ranks like the profile, core posting first
    leaky = start.model_copy(update={"resume_gate_terms": 0, "resume": 0.0})
    controls = kind_controls(load_kinds(tmp_path / "resumes"))
    table = _dataset_table(matcher, [start, leaky], found, graded, texts, "ndcg@10", controls)
    assert table["nhs_mini"][0] > table["nhs_mini"][1]


def test_a_bad_resume_kind_is_refused_with_its_line(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    (resumes / "resumes.csv").write_text("resume,kind,licences\nengineer,contrl,\n",
                                         encoding="utf-8")
    result = _run(tmp_path, "tune", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes), "--trials", "2",
                  "--output", str(tmp_path / "t.settings.yaml"))
    assert result.exit_code == 2
    assert "resumes.csv:2: kind must be one of care, control (got 'contrl')" in result.output


def _write_folder_with_an_unlicensed_resume(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The eval folder plus a medical assistant's resume (no licence) and licence titles."""
    labels, postings, resumes = _write_folder(tmp_path)
    (resumes / "assistant.txt").write_text("Certified medical assistant: rooming patients, vital "
                                           "signs, scheduling and referrals.", encoding="utf-8")
    (resumes / "resumes.csv").write_text("resume,kind,licences\nrn,care,RN\nassistant,care,\n"
                                         "engineer,control,\n", encoding="utf-8")
    (tmp_path / "licence_titles.csv").write_text("title_word,licences\nnurse,RN\nrn,RN\n",
                                                 encoding="utf-8")
    return labels, postings, resumes


def test_each_care_resume_is_also_measured_against_the_jobs_it_can_take(tmp_path):
    labels, postings, resumes = _write_folder_with_an_unlicensed_resume(tmp_path)
    result = _run(tmp_path, "eval", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes), "--json")
    assert result.exit_code == 0, result.output
    rows = {(r["group"], r["query"], r["method"]): r for r in json.loads(result.output)["rows"]}
    linkedin = "dataset:linkedin_mini"
    # "RN Case Manager" is core for the role and for the RN, not for the medical assistant
    assert rows[(linkedin, "resume:assistant", "matcher")]["map"] is not None
    assert rows[(linkedin, "fit:assistant", "matcher")]["map"] is None
    assert rows[(linkedin, "fit:rn", "matcher")]["map"] == rows[
        (linkedin, "resume:rn", "matcher")]["map"]
    # the control can take none of the jobs: judged by its role-grade P@10 only
    assert not any(query == "fit:engineer" for _, query, _ in rows)


def test_tuned_weights_that_lose_on_one_held_out_dataset_are_not_written():
    matcher = Matcher(load_profile(PROFILE))
    start = matcher.weights.resume
    # two boards gain from a larger resume weight, a third loses a little: better on the mean
    judges = {"a": lambda w: w.resume, "b": lambda w: w.resume,
              "c": lambda w: 1.0 - 0.1 * abs(w.resume - start)}
    result = tune_datasets(matcher, {}, {}, {}, trials=20, seed=3, more=judges)
    assert result.held_out["a"] > result.held_out_start["a"]
    assert result.held_out["c"] < result.held_out_start["c"]
    assert result.kept_start and result.weights == matcher.weights


def test_a_licence_titles_file_without_its_columns_is_refused(tmp_path):
    labels, postings, resumes = _write_folder(tmp_path)
    (tmp_path / "licence_titles.csv").write_text("word,codes\nnurse,RN\n", encoding="utf-8")
    result = _run(tmp_path, "eval", "--labels", str(labels), "--postings", str(postings),
                  "--resumes", str(resumes))
    assert result.exit_code == 2
    assert "licence_titles.csv: the header must have title_word,licences" in result.output


def test_tune_searches_the_title_settings():
    matcher = Matcher(load_profile(PROFILE))
    start = matcher.weights
    # every board ranks best with the title doubted less, from longer bodies, and with more
    # credit for a title alike only through a licence
    judges = {name: (lambda w: -abs(w.title_context - 0.3) - abs(w.title_context_terms - 500)
                     / 1000 - abs(w.licence_title_cap - 0.8)) for name in ("a", "b", "c")}
    result = tune_datasets(matcher, {}, {}, {}, trials=40, seed=3, more=judges)
    assert not result.kept_start
    assert result.weights.title_context < start.title_context
    assert result.weights.title_context_terms > start.title_context_terms
    assert isinstance(result.weights.title_context_terms, int)
    assert result.weights.licence_title_cap > start.licence_title_cap


def test_each_care_resume_shows_its_role_and_own_fit_ndcg_side_by_side(tmp_path):
    labels, postings, resumes = _write_folder_with_an_unlicensed_resume(tmp_path)
    page = tmp_path / "report.html"
    args = ["--labels", str(labels), "--postings", str(postings), "--resumes", str(resumes)]
    result = _run(tmp_path, "eval", *args, "--html", str(page))
    assert result.exit_code == 0, result.output
    data = json.loads(_run(tmp_path, "eval", *args, "--json").output)
    rows = {(r["group"], r["query"]): r["ndcg@10"] for r in data["rows"]
            if r["method"] == "matcher"}
    linkedin = "dataset:linkedin_mini"
    goal = data["resume_goals"]["assistant"][linkedin]
    assert goal == {"role": rows[(linkedin, "resume:assistant")],
                    "fit": rows[(linkedin, "fit:assistant")]}
    assert set(data["resume_goals"]) == {"assistant", "rn"}  # the control has no own grades
    line = next(x for x in result.output.splitlines() if x.strip().startswith("assistant "))
    role, fit = rows[(linkedin, "resume:assistant")], rows[(linkedin, "fit:assistant")]
    assert f"{role:.3f} / {fit:.3f}" in line
    assert "indeed_mini" not in result.output.split("per care resume")[1].splitlines()[1]
    text = page.read_text(encoding="utf-8")
    assert "Care resumes: role grades / own-fit grades" in text
    assert f"{role:.3f} / {fit:.3f}" in text


def test_tuning_counts_a_care_resume_by_the_jobs_it_can_take_too(tmp_path):
    labels, postings, resumes = _write_folder_with_an_unlicensed_resume(tmp_path)
    graded, found, _ = load_real(labels, postings, resumes)
    # a care coordinator without a licence: the RN Case Manager post is core for the role,
    # not for them
    texts = {"coordinator": "Care coordinator, no licence: care plans, discharge planning, "
                            "transitions of care, community resources, utilization review."}
    kinds = {"coordinator": ResumeKind()}
    matcher = Matcher(load_profile(PROFILE))
    shown = matcher.weights.model_copy(update={"missing_license_penalty": 0.0,
                                               "missing_credential_penalty": 0.0})
    kept = matcher.weights.model_copy(update={"missing_license_penalty": 1.0})
    role_only = _dataset_table(matcher, [shown, kept], found, graded, texts, "ndcg@10")
    with_fit = _dataset_table(matcher, [shown, kept], found, graded, texts, "ndcg@10",
                              fit=load_fit_rule(tmp_path), kinds=kinds)
    assert role_only["linkedin_mini"][0] > role_only["linkedin_mini"][1]
    assert with_fit["linkedin_mini"][1] > with_fit["linkedin_mini"][0]
