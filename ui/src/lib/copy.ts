// Copy credentials: the formats offered and what the window says once copied.

import type { Copied } from "./bindings/Copied";
import type { CopyFormat } from "./bindings/CopyFormat";
import { copiedWording } from "./time";

export const COPY_FORMATS: { format: CopyFormat; label: string }[] = [
  { format: "env", label: "bash / zsh" },
  { format: "fish", label: "fish" },
  { format: "powershell", label: "PowerShell" },
  { format: "profile_line", label: "credential_process profile" },
];

/** After Copy credentials: until when they work (and past the grant's end, if so). */
export function copiedMessage(copied: Copied, grantEndIso: string | null, now: number): string {
  return copied.expiresAt
    ? `Copied. ${copiedWording(copied.expiresAt, grantEndIso, now)}`
    : "Copied a profile that fetches fresh credentials through stint.";
}
