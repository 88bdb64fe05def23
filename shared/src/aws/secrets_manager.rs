//! The function's secret: one Secrets Manager secret, read once at cold start and
//! overlaid on the configuration.

use crate::config::{ConfigError, ConfigSource, SECRET_ID_VARIABLE};

use super::client::secrets_manager_client;

/// When `BROKERHOOKS_SECRET_ID` is set, fetches that secret once and overlays it
/// ([`ConfigSource::overlay_secret_json`]).
pub async fn overlay_function_secret(
    config: &mut ConfigSource,
    aws: &aws_config::SdkConfig,
) -> Result<(), ConfigError> {
    let Some(secret_id) = config.get(SECRET_ID_VARIABLE).map(str::to_owned) else {
        return Ok(());
    };
    let client = secrets_manager_client(aws);
    let output = client
        .get_secret_value()
        .secret_id(secret_id)
        .send()
        .await
        .map_err(|e| {
            ConfigError::SecretsManager(
                aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
            )
        })?;
    let secret_string = output
        .secret_string()
        .ok_or_else(|| ConfigError::SecretsManager("secret has no string value".to_owned()))?;
    config.overlay_secret_json(secret_string)
}
