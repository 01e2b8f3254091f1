//! `renkou serve`: runs the web application of `renkou-web` on a runtime of its own.

use anyhow::{Context, Result};
use renkou_store::Store;

pub fn serve(store: Store, listen: &str) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")?;
    rt.block_on(async move {
        println!("renkou 已启动 / serving on http://{listen}/  (Ctrl-C 退出 / to stop)");
        let state = renkou_web::AppState::new(store).with_pdf(crate::pdf::lazy());
        // Scheduled reports: checked every minute, caught up after downtime.
        renkou_web::reports::spawn_scheduler(state.clone(), std::time::Duration::from_secs(60));
        renkou_web::serve_state(state, listen)
            .await
            .with_context(|| format!("无法监听 / cannot serve on {listen}"))?;
        println!("已停止 / stopped");
        Ok(())
    })
}
