// Generated from stint_api::rules::LIMITS by src-tauri/src/bindings.rs. Do not edit.
import type { Limits } from "./Limits";

export const LIMITS: Limits = {
  "minDurationSecs": 60,
  "maxDurationSecs": 2592000,
  "maxLeadSecs": 2592000,
  "minReasonChars": 1,
  "maxReasonChars": 2000,
  "maxTicketChars": 2000,
  "maxCommentChars": 2000
};
