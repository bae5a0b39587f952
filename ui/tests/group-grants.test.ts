// A group grant in the window: the roles its group gives, each with Open console and Copy
// credentials; rendered on the server side of Svelte (the markup the window shows).

import { describe, expect, it } from "vitest";
import { render } from "svelte/server";
import GrantCard from "../src/components/GrantCard.svelte";
import Access from "../src/views/Access.svelte";
import { target } from "../src/lib/requests";
import { groupGrant, groupRequest, part, readable, request, snapshot } from "./fixtures";

const card = (grant = groupGrant()) =>
  render(GrantCard, { props: { grant, extendSteps: grant.extendSteps } }).body;

describe("a group grant", () => {
  it("is named by its group", () => {
    expect(target(groupRequest())).toBe("group oncall-admins");
    expect(target(request())).toBe("prod / ReadOnlyAccess");
  });

  it("lists each role the group gives, each with console and credentials", () => {
    const html = card();
    expect(readable(part(html, "grant-12"))).toMatch(/^group oncall-admins /);
    const roles = part(html, "given-roles");
    for (const [id, name] of [["333333333333", "prod"], ["444444444444", "staging"]]) {
      const role = part(roles, `given-${id}-AdministratorAccess`);
      expect(readable(role)).toContain(`${name} / AdministratorAccess ${id}`);
      expect(part(role, "open-console")).toContain("Open console");
      expect(part(role, "copy-credentials")).toContain("Copy credentials");
      expect(part(role, "copy-format")).toContain("credential_process profile");
      expect(readable(part(role, "console-where"))).toBe("the console home");
    }
    // The grant's own actions act on the whole membership; the role's own are below.
    expect(readable(html)).toContain("The group gives these 2 roles:");
    expect(html).toContain('data-testid="revoke"');
    expect(html).toContain('data-testid="extend-1800"');
    // No console or credentials for the grant itself: a group is not a role.
    expect(html.split('data-testid="open-console"').length - 1).toBe(2);
  });

  it("says where each role's console opens and until when its copied credentials work", () => {
    const grant = groupGrant();
    grant.gives[1].console = { region: "eu-west-1", service: "s3" };
    grant.gives[1].credentialsExpireAt = "2026-03-01T10:45:00Z";
    const staging = part(card(grant), "given-444444444444-AdministratorAccess");
    expect(readable(part(staging, "console-where"))).toBe("S3 in eu-west-1");
    expect(readable(staging)).toContain("copied credentials valid until");
    const prod = part(card(grant), "given-333333333333-AdministratorAccess");
    expect(readable(prod)).not.toContain("copied credentials");
  });

  it("says so when the broker did not say what the group gives", () => {
    const grant = groupGrant();
    grant.gives = [];
    const html = card(grant);
    expect(readable(part(html, "gives-unknown"))).toContain("The broker did not say what oncall-admins gives");
    expect(html).not.toContain('data-testid="open-console"');
  });

  it("a grant of one role keeps its own actions", () => {
    const html = card({
      request: request(),
      credentialsExpireAt: null,
      extendSteps: [],
      console: { region: null, service: null },
      gives: [],
    });
    expect(readable(part(html, "grant-7"))).toMatch(/^prod \/ ReadOnlyAccess /);
    expect(html).not.toContain('data-testid="given-roles"');
    expect(html.split('data-testid="open-console"').length - 1).toBe(1);
  });

  it("is found in My access by its group or by a role it gives", () => {
    const grant = groupGrant();
    const html = render(Access, { props: { snapshot: snapshot({ active: [grant] }), onrequest: () => {} } }).body;
    expect(html).toContain('data-testid="grant-12"');
    expect(readable(part(html, "grant-12"))).toContain("staging / AdministratorAccess");
  });
});
