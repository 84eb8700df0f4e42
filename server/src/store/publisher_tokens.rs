//! SQL for the ids (`jti`) of publisher tokens already accepted: each is accepted once.

/// Records that the token `jti` of `issuer` was used; false if it was used before.
pub async fn first_use(
    tx: &mut sqlx::SqliteConnection,
    issuer: &str,
    jti: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let recorded = sqlx::query(
        "INSERT INTO publisher_token_ids (issuer, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(issuer)
    .bind(jti)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(recorded.rows_affected() == 1)
}
