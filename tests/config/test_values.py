"""E-mail addresses in jobs.yaml: everyday ones pass without loading email-validator, and every
address gets the verdict email-validator gives it."""

import json
import subprocess
import sys
import textwrap

#: Loads a jobs.yaml of everyday addresses, then checks each address of argv[2] (a JSON list)
#: with ``check_email`` and with email-validator itself.
PROBE = textwrap.dedent("""
    import json, sys
    from pipeline.config import load_config
    from pipeline.config.values import check_email
    config = load_config(sys.argv[1])
    loaded = "email_validator" in sys.modules
    from email_validator import EmailNotValidError, validate_email

    def ours(address):
        try:
            return check_email(address)
        except ValueError as exc:
            return str(exc)

    def theirs(address):
        try:
            validate_email(address, check_deliverability=False, test_environment=True)
            return address.strip().lower()
        except EmailNotValidError as exc:
            return f"{address.strip()!r} is not a valid e-mail address: {exc}"

    print(json.dumps({"loaded": loaded, "subscribers": [s.email for s in config.subscribers],
                      "ours": [ours(a) for a in json.loads(sys.argv[2])],
                      "theirs": [theirs(a) for a in json.loads(sys.argv[2])]}))
""")

#: Everyday addresses, and addresses near their edges either way.
ADDRESSES = [
    "Ann.Lee@Example.org", "bob+jobs@mail.example.co.uk", "c_d-e@a1.example.com",
    "x@example.test", "9@9.example.org", f"{'a' * 64}@example.org", f"{'a' * 65}@example.org",
    f"a@{'b' * 63}.org", f"a@{'b' * 64}.org", f"a@{'b.' * 124}org", f"a@{'b' * 60}.{'c' * 200}",
    "ann@localhost", "ann@example.local", "ann@host.onion", "ann@x.arpa", "ann@a.invalid",
    "ann@example", "ann@example.123", "ann@-example.org", "ann@example-.org", "ann@ab--cd.org",
    "ann@xn--exmple-cua.org", "ann@xn--zz.org", "ann..lee@example.org", ".ann@example.org",
    "ann.@example.org", "ann@example..org", "ann@.example.org", "ann@example.org.",
    "ann lee@example.org", '"ann"@example.org', "ann@@example.org", "ann", "@example.org",
    "ann@", "ann@exam_ple.org", "ann!#$%&'*/=?^`{|}~@example.org", "zoë@example.org",
    "ann@exämple.org", "ann@EXAMPLE.ORG", "Ann <ann@example.org>", "ann@[127.0.0.1]",
    "ann@example.o", "ann@example.c0m",
]


def test_everyday_addresses_pass_without_email_validator_and_others_get_its_verdict(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text("sources:\n  - {name: local, type: files, path: postings}\n"
                    "email: {from: Jobs <jobs@alerts.example.org>,\n"
                    "        reply_to: help@alerts.example.org}\n"
                    "subscribers:\n  - {email: Ann.Lee@Example.org}\n"
                    "  - {email: bob+jobs@mail.example.co.uk}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", PROBE, str(path), json.dumps(ADDRESSES)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path, check=True)
    probe = json.loads(done.stdout)
    assert probe["loaded"] is False
    assert probe["subscribers"] == ["ann.lee@example.org", "bob+jobs@mail.example.co.uk"]
    assert probe["ours"] == probe["theirs"]
    accepted = [a for a, verdict in zip(ADDRESSES, probe["ours"], strict=True) if "@" in verdict
                and "not a valid" not in verdict]
    assert "x@example.test" in accepted and "ann@example.local" not in accepted
