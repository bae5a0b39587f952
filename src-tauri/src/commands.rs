//! The window's commands: one line each into [`Service`]. The list is mirrored in
//! `src-tauri/permissions/window.toml`, which is what the window may call.

use stint_api::{AccessRequest, ActivityPage, CreateRequest, EligibleAccess};
use stint_client::sso::LoginFlow;
use tauri::State;

use crate::error::CommandResult;
use crate::service::Service;
use crate::view::{
    BrokerProbe, ConsoleChoice, Copied, CopyFormat, Navigate, RoleKey, SettingsView, Snapshot,
};
use crate::window::PendingNavigation;

#[tauri::command]
pub fn get_state(service: State<'_, Service>) -> Snapshot {
    service.snapshot()
}

/// Where a window just made should open (the tray item or notification that made it).
#[tauri::command]
pub fn initial_view(pending: State<'_, PendingNavigation>) -> Option<Navigate> {
    pending.0.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// The browser sign-in, or with `device_code` the device code (the alternative offered
/// when the browser sign-in cannot work on this computer).
#[tauri::command]
pub fn sign_in(service: State<'_, Service>, device_code: Option<bool>) -> CommandResult<()> {
    service.sign_in(if device_code.unwrap_or(false) {
        LoginFlow::DeviceCode
    } else {
        LoginFlow::Browser
    })
}

#[tauri::command]
pub fn cancel_sign_in(service: State<'_, Service>) {
    service.cancel_sign_in();
}

#[tauri::command]
pub async fn sign_out(service: State<'_, Service>) -> CommandResult<()> {
    service.sign_out().await
}

#[tauri::command]
pub async fn eligibility(service: State<'_, Service>) -> CommandResult<Vec<EligibleAccess>> {
    service.eligibility().await
}

#[tauri::command]
pub async fn create_request(
    service: State<'_, Service>,
    request: CreateRequest,
) -> CommandResult<AccessRequest> {
    service.create_request(request).await
}

#[tauri::command]
pub async fn request_detail(service: State<'_, Service>, id: i64) -> CommandResult<AccessRequest> {
    service.request(id).await
}

/// The CloudTrail events of the request's role session (503 from the broker when its
/// trail cannot be read arrives as `unreachable`).
#[tauri::command]
pub async fn request_activity(service: State<'_, Service>, id: i64) -> CommandResult<ActivityPage> {
    service.activity(id).await
}

#[tauri::command]
pub async fn approve(
    service: State<'_, Service>,
    id: i64,
    comment: Option<String>,
) -> CommandResult<AccessRequest> {
    service.approve(id, comment).await
}

#[tauri::command]
pub async fn reject(
    service: State<'_, Service>,
    id: i64,
    comment: String,
) -> CommandResult<AccessRequest> {
    service.reject(id, comment).await
}

#[tauri::command]
pub async fn cancel_request(service: State<'_, Service>, id: i64) -> CommandResult<AccessRequest> {
    service.cancel(id).await
}

#[tauri::command]
pub async fn revoke(service: State<'_, Service>, id: i64) -> CommandResult<AccessRequest> {
    service.revoke(id).await
}

#[tauri::command]
pub async fn extend(
    service: State<'_, Service>,
    id: i64,
    by_secs: u32,
) -> CommandResult<AccessRequest> {
    service.extend(id, by_secs).await
}

/// Opens the console as the grant's role (for a group grant, the `role` of its group's
/// named), where `choice` says (else where it went last).
#[tauri::command]
pub async fn open_console(
    service: State<'_, Service>,
    id: i64,
    role: Option<RoleKey>,
    choice: Option<ConsoleChoice>,
) -> CommandResult<()> {
    service.open_console(id, role, choice).await
}

#[tauri::command]
pub async fn open_role_console(
    service: State<'_, Service>,
    role: RoleKey,
    choice: Option<ConsoleChoice>,
) -> CommandResult<()> {
    service.open_role_console(role, choice).await
}

#[tauri::command]
pub async fn copy_role_credentials(
    service: State<'_, Service>,
    role: RoleKey,
    format: CopyFormat,
) -> CommandResult<Copied> {
    service.copy_role_credentials(role, format).await
}

/// Reads the roles held without a request from the access portal again.
#[tauri::command]
pub async fn refresh_roles(service: State<'_, Service>) -> CommandResult<()> {
    service.refresh_roles().await
}

/// Copies the credentials of the grant's role (for a group grant, of the `role` named).
#[tauri::command]
pub async fn copy_credentials(
    service: State<'_, Service>,
    id: i64,
    role: Option<RoleKey>,
    format: CopyFormat,
) -> CommandResult<Copied> {
    service.copy_credentials(id, role, format).await
}

#[tauri::command]
pub fn get_settings(service: State<'_, Service>) -> CommandResult<SettingsView> {
    service.settings()
}

#[tauri::command]
pub async fn save_settings(
    service: State<'_, Service>,
    settings: SettingsView,
) -> CommandResult<SettingsView> {
    service.save_settings(settings).await
}

#[tauri::command]
pub async fn probe_broker(service: State<'_, Service>, url: String) -> CommandResult<BrokerProbe> {
    service.probe_broker(url).await
}
