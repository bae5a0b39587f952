"""The operator's kit, checked without AWS: the CloudFormation template grants the broker's
role exactly docs/iam-policy.json and passes cfn-lint; the release workflow passes
actionlint. Each linter is also shown to fail on a planted mistake, so a linter that
silently checks nothing cannot pass these tests."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from cfnlint.decode import decode

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "deploy" / "cloudformation" / "stint.yaml"
WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
POLICY = REPO / "docs" / "iam-policy.json"
BIN = Path(sys.executable).parent


def plain(node):
    """cfn-lint's decoded nodes as plain dicts and lists."""
    return json.loads(json.dumps(node))


def run(tool: str, *args: str) -> subprocess.CompletedProcess:
    exe = BIN / tool
    assert exe.exists(), f"{tool} is not installed: scripts/install-python.sh installs it"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)


def test_the_broker_role_gets_exactly_the_documented_policy():
    template, problems = decode(str(TEMPLATE))
    assert not problems, problems
    role = template["Resources"]["BrokerRole"]["Properties"]
    assert len(role["Policies"]) == 1
    assert plain(role["Policies"][0]["PolicyDocument"]) == json.loads(POLICY.read_text())
    assert "ManagedPolicyArns" not in role


def test_the_baseline_grants_nothing_and_goes_to_every_group_given():
    template, _ = decode(str(TEMPLATE))
    resources = template["Resources"]
    baseline = resources["BaselinePermissionSet"]["Properties"]
    assert "ManagedPolicies" not in baseline
    assert "CustomerManagedPolicyReferences" not in baseline
    statements = plain(baseline["InlinePolicy"])["Statement"]
    assert [s["Effect"] for s in statements] == ["Deny"]
    loop = plain(resources["Fn::ForEach::BaselineAssignments"])
    assert loop[1] == {"Ref": "BaselineGroupIds"}
    (assignment,) = loop[2].values()
    assert assignment["Type"] == "AWS::SSO::Assignment"
    assert assignment["Properties"]["PrincipalType"] == "GROUP"
    assert assignment["Properties"]["PrincipalId"] == {"Ref": "GroupId"}


def test_cfn_lint_passes_the_template_and_catches_a_planted_mistake(tmp_path):
    clean = run("cfn-lint", str(TEMPLATE))
    assert clean.returncode == 0, clean.stdout + clean.stderr

    broken = tmp_path / "broken.yaml"
    broken.write_text(TEMPLATE.read_text().replace("Type: AWS::SSO::PermissionSet", "Type: AWS::SSO::PermissionSets"))
    caught = run("cfn-lint", str(broken))
    assert caught.returncode != 0
    assert "PermissionSets" in caught.stdout, caught.stdout


def test_actionlint_passes_the_release_workflow_and_catches_a_planted_mistake(tmp_path):
    clean = run("actionlint", str(WORKFLOW))
    assert clean.returncode == 0, clean.stdout + clean.stderr

    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(WORKFLOW, workflows / "release.yml")
    text = (workflows / "release.yml").read_text()
    (workflows / "release.yml").write_text(text.replace("${{ matrix.bundles }}", "${{ matrix.bundle }}"))
    caught = run("actionlint", str(workflows / "release.yml"))
    assert caught.returncode != 0
    assert "bundle" in caught.stdout, caught.stdout


def test_every_desktop_bundle_carries_the_tray():
    """Each OS's installers are built by scripts/bundle-app.sh, which puts stint-tray beside
    stint-app (the app hands over to it): a bare `tauri build` would ship the whole app alone."""
    import yaml

    workflow = yaml.safe_load(WORKFLOW.read_text())
    app = workflow["jobs"]["app"]
    oses = {row["os"] for row in app["strategy"]["matrix"]["include"]}
    assert any(os.startswith("macos") for os in oses) and any(os.startswith("windows") for os in oses), oses
    runs = [step.get("run", "") for step in app["steps"]]
    assert not [run for run in runs if "tauri build" in run], runs
    (bundle,) = [run for run in runs if "scripts/bundle-app.sh" in run]
    assert "--target ${{ matrix.target }}" in bundle and "--bundles ${{ matrix.bundles }}" in bundle, bundle
    script = (REPO / "scripts" / "bundle-app.sh").read_text()
    assert "externalBin" in script and '"$staged/stint-tray-$triple$exe"' in script
