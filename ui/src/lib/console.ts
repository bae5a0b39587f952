// Where Open console lands: a region and a console service, remembered per role by Rust
// (app.toml). These helpers read and tidy the choice; the client core checks the names.

import type { ConsoleChoice } from "./bindings/ConsoleChoice";

/** Regions offered in the picker (any other region can be typed). */
export const REGIONS = [
  "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
  "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
  "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "ap-northeast-2",
  "ap-east-1", "me-central-1", "af-south-1",
];

/** Console services offered in the picker, by the name the console's URL uses. */
export const SERVICES: { id: string; name: string }[] = [
  { id: "s3", name: "S3" },
  { id: "ec2", name: "EC2" },
  { id: "cloudwatch", name: "CloudWatch" },
  { id: "cloudtrail", name: "CloudTrail" },
  { id: "lambda", name: "Lambda" },
  { id: "rds", name: "RDS" },
  { id: "dynamodbv2", name: "DynamoDB" },
  { id: "iam", name: "IAM" },
  { id: "ecs", name: "ECS" },
  { id: "eks", name: "EKS" },
  { id: "cloudformation", name: "CloudFormation" },
  { id: "billing", name: "Billing" },
  { id: "costmanagement", name: "Cost Management" },
  { id: "vpc", name: "VPC" },
  { id: "sqs", name: "SQS" },
  { id: "sns", name: "SNS" },
];

/** A choice from what was typed: blanks are the defaults, service names lower case. */
export function choiceFrom(region: string, service: string): ConsoleChoice {
  const r = region.trim();
  const s = service.trim().toLowerCase();
  return { region: r === "" ? null : r, service: s === "" ? null : s };
}

/** Whether a choice is the defaults (console home, default region). */
export function isDefault(c: ConsoleChoice): boolean {
  return !c.region && !c.service;
}

/** What Open console will open: `S3 in eu-west-1`, `the console home in eu-west-1`, `S3`. */
export function consoleWhere(c: ConsoleChoice): string {
  const known = SERVICES.find((s) => s.id === c.service);
  const what = c.service ? (known?.name ?? c.service) : "the console home";
  return c.region ? `${what} in ${c.region}` : what;
}
