// The window's one way to Rust: typed wrappers over `invoke`, and the events Rust
// pushes. Every failure arrives as a BackendError with a stable `code` to branch on.

import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AccessRequest } from "./bindings/AccessRequest";
import type { ActivityPage } from "./bindings/ActivityPage";
import type { BrokerProbe } from "./bindings/BrokerProbe";
import type { Copied } from "./bindings/Copied";
import type { ConsoleChoice } from "./bindings/ConsoleChoice";
import type { CopyFormat } from "./bindings/CopyFormat";
import type { CreateRequest } from "./bindings/CreateRequest";
import type { EligibleAccess } from "./bindings/EligibleAccess";
import type { Navigate } from "./bindings/Navigate";
import type { RoleKey } from "./bindings/RoleKey";
import type { SettingsView } from "./bindings/SettingsView";
import type { Snapshot } from "./bindings/Snapshot";
import type { UiErrorCode } from "./bindings/UiErrorCode";

export class BackendError extends Error {
  constructor(
    readonly code: UiErrorCode,
    message: string,
    /** The technical cause, for a "details" disclosure; never the main text. */
    readonly detail: string | null = null,
  ) {
    super(message);
  }
}

/** Any failure as a BackendError; a `CommandError` in a snapshot keeps its code and detail. */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    const detail = "detail" in e && typeof e.detail === "string" ? e.detail : null;
    return new BackendError(e.code as UiErrorCode, String(e.message), detail);
  }
  return new BackendError("internal", String(e));
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toBackendError(e);
  }
}

export const backend = {
  state: () => call<Snapshot>("get_state"),
  initialView: () => call<Navigate | null>("initial_view"),
  /** The browser sign-in; `deviceCode` signs in with a code instead. */
  signIn: (deviceCode = false) => call<void>("sign_in", { deviceCode }),
  cancelSignIn: () => call<void>("cancel_sign_in"),
  signOut: () => call<void>("sign_out"),
  eligibility: () => call<EligibleAccess[]>("eligibility"),
  createRequest: (request: CreateRequest) => call<AccessRequest>("create_request", { request }),
  requestDetail: (id: number) => call<AccessRequest>("request_detail", { id }),
  requestActivity: (id: number) => call<ActivityPage>("request_activity", { id }),
  approve: (id: number, comment: string | null) => call<AccessRequest>("approve", { id, comment }),
  reject: (id: number, comment: string) => call<AccessRequest>("reject", { id, comment }),
  cancel: (id: number) => call<AccessRequest>("cancel_request", { id }),
  revoke: (id: number) => call<AccessRequest>("revoke", { id }),
  extend: (id: number, bySecs: number) => call<AccessRequest>("extend", { id, bySecs }),
  /**
   * `choice` null: where it opened last for this role. `role`: for a group grant, which of
   * the roles its group gives (null for a grant of one role).
   */
  openConsole: (id: number, choice: ConsoleChoice | null = null, role: RoleKey | null = null) =>
    call<void>("open_console", { id, role, choice }),
  copyCredentials: (id: number, format: CopyFormat, role: RoleKey | null = null) =>
    call<Copied>("copy_credentials", { id, role, format }),
  /** A role held without a request (standing access). */
  openRoleConsole: (role: RoleKey, choice: ConsoleChoice | null = null) =>
    call<void>("open_role_console", { role, choice }),
  copyRoleCredentials: (role: RoleKey, format: CopyFormat) =>
    call<Copied>("copy_role_credentials", { role, format }),
  refreshRoles: () => call<void>("refresh_roles"),
  settings: () => call<SettingsView>("get_settings"),
  saveSettings: (settings: SettingsView) => call<SettingsView>("save_settings", { settings }),
  probeBroker: (url: string) => call<BrokerProbe>("probe_broker", { url }),
};

export const onState = (f: (s: Snapshot) => void): Promise<UnlistenFn> =>
  listen<Snapshot>("stint://state", (e) => f(e.payload));

export const onNavigate = (f: (n: Navigate) => void): Promise<UnlistenFn> =>
  listen<Navigate>("stint://navigate", (e) => f(e.payload));

export const onVisible = (f: (visible: boolean) => void): Promise<UnlistenFn> =>
  listen<boolean>("stint://visible", (e) => f(e.payload));
