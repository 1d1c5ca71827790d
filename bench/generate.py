"""Generate benchmark inputs: `python bench/generate.py terraform|mixed|cloudformation SIZE DIR [--seed N]`.

The generators themselves live next to this file: `terraform_tree` (IAM-heavy Terraform root module
of a chosen number of top-level blocks), `mixed_tree` (a tenth of the blocks IAM, the rest ordinary
resources), `cfn_templates` (CloudFormation templates of a chosen number
of resources) and `inventory_gen` (an `credmint.analyzer.inventory.Inventory` for the analyzer alone). Same
seed and size, same bytes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.cfn_templates import CloudFormationSet, generate_cloudformation
from bench.inventory_gen import InventorySize, build_inventory
from bench.mixed_tree import MixedTree, generate_mixed
from bench.terraform_tree import TerraformTree, generate_terraform

__all__ = [
    "CloudFormationSet",
    "InventorySize",
    "MixedTree",
    "TerraformTree",
    "build_inventory",
    "generate_cloudformation",
    "generate_mixed",
    "generate_terraform",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=("terraform", "mixed", "cloudformation"))
    parser.add_argument("size", type=int, help="top-level blocks (terraform) or resources (cloudformation)")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.kind == "terraform":
        print(generate_terraform(args.directory, args.size, seed=args.seed))
    elif args.kind == "mixed":
        print(generate_mixed(args.directory, args.size, seed=args.seed))
    else:
        print(generate_cloudformation(args.directory, args.size, seed=args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
