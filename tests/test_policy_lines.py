"""Statement lines of a policy text that comes from elsewhere (taskcluster-infra-terraform in the corpus).

A module writes `policy = "${var.policy}"` and its caller passes a heredoc of many lines, partly
unknown before apply (a bucket's ARN), so that the text is rebuilt in the module. The quoted
string is not the text's literal: its lines are the caller's, so statements take the line of the
`policy` argument. Reading the text's line offsets from the module's file put a statement past the
end of that file, and the inline-suppression lookup then failed with an IndexError the CLI reported
as "credmint: error: list index out of range" (exit 2, nothing analysed).
"""

import json

from credmint.analyzer.app.cli import main

MODULE = """\
resource "aws_iam_user" "u" {
  name = "svc"
}

resource "aws_iam_user_policy" "u" {
  user = aws_iam_user.u.name

  policy = "${var.policy}"
}
variable "policy" {}
"""

CALLER = """\
resource "aws_s3_bucket" "b" {}
module "svc" {
  source = "./svc"
  policy = <<EOF
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": "sts:GetFederationToken",
      "Resource": "arn:aws:sts::111111111111:federated-user/app"
    },
    {
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "${aws_s3_bucket.b.arn}/*"
    }
  ]
}
EOF
}
"""


def test_a_policy_text_passed_through_a_quoted_interpolation_takes_the_argument_line(tmp_path):
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc/main.tf").write_text(MODULE)
    (tmp_path / "main.tf").write_text(CALLER)
    out = tmp_path / "report.json"
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--account-id", "111111111111",
                 "--format", "json", "--fail-on", "none", "-o", str(out)])
    assert code == 0
    grant = next(g for g in json.loads(out.read_text())["grants"] if g["action"] == "sts:GetFederationToken")
    assert grant["target"] == "arn:aws:sts::111111111111:federated-user/app"
    assert grant["sources"] == [{"file": "svc/main.tf", "line": 8}]


def test_the_inline_suppression_lookup_reads_a_line_past_the_end_as_uncommented(tmp_path):
    from credmint.analyzer.inventory import Source
    from credmint.parsers.suppressions import InlineSuppressions

    (tmp_path / "main.tf").write_text('# credmint:ignore CM201 reason="x"\nresource "a" "b" {}\n')
    lookup = InlineSuppressions(tmp_path)
    # Past the end: a line of another text; no comment of this file suppresses anything there
    # (a gate suppresses only where a suppression is clearly written for the line).
    assert lookup(Source(file="main.tf", line=40)) == []
    assert [ignore[0] for ignore in lookup(Source(file="main.tf", line=2))] == ["CM201"]
