//! The stand-in seen by a third client implementation (tiberius, TDS 7.3 here): login over
//! TLS, a query, a failed login.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

struct Server {
    child: Child,
    dir: PathBuf,
    info: serde_json::Value,
}

impl Server {
    fn start() -> Server {
        let dir = std::env::temp_dir().join(format!(
            "tiberius-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let ready = dir.join("ready.json");
        let _ = std::fs::remove_file(&ready);
        let child = Command::new(env!("CARGO_BIN_EXE_testserver"))
            .arg("--ready-file")
            .arg(&ready)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log")).unwrap())
            .spawn()
            .expect("testserver starts");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !ready.exists() {
            assert!(
                Instant::now() < deadline,
                "testserver not ready within 30 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let info = serde_json::from_slice(&std::fs::read(&ready).unwrap()).unwrap();
        Server { child, dir, info }
    }

    fn config(&self, password: &str) -> Config {
        let mut config = Config::new();
        config.host("127.0.0.1");
        config.port(self.info["tds_port"].as_u64().unwrap() as u16);
        config.database(self.info["database"].as_str().unwrap());
        config.authentication(AuthMethod::sql_server(
            self.info["sql_user"].as_str().unwrap(),
            password,
        ));
        config.encryption(EncryptionLevel::Required);
        config.trust_cert();
        config
    }

    fn password(&self) -> String {
        self.info["sql_password"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn connect(
    config: Config,
) -> tiberius::Result<Client<tokio_util::compat::Compat<TcpStream>>> {
    let tcp = TcpStream::connect(config.get_addr()).await?;
    tcp.set_nodelay(true)?;
    Client::connect(config, tcp.compat_write()).await
}

#[tokio::test]
async fn login_over_tls_and_select() {
    let server = Server::start();
    let mut client = connect(server.config(&server.password()))
        .await
        .expect("login succeeds");
    let row = client
        .simple_query("SELECT 1")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>(0), Some(1));
}

#[tokio::test]
async fn wrong_password_is_login_failed_18456() {
    let server = Server::start();
    let Err(err) = connect(server.config("wrong")).await else {
        panic!("login must fail");
    };
    match err {
        tiberius::error::Error::Server(e) => {
            assert_eq!(e.code(), 18456);
            assert!(
                e.message().contains("Login failed for user"),
                "{}",
                e.message()
            );
        }
        other => panic!("expected a server error, got {other:?}"),
    }
}

#[tokio::test]
async fn parameters_by_sp_executesql_and_typed_results() {
    let server = Server::start();
    let mut client = connect(server.config(&server.password())).await.unwrap();
    let row = client
        .query(
            "SELECT @P1 + 1 AS n, @P2 AS s, @P3 AS b, @P4 AS f",
            &[&41i32, &"héllo", &vec![1u8, 2, 3], &2.5f64],
        )
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>("n"), Some(42));
    assert_eq!(row.get::<&str, _>("s"), Some("héllo"));
    assert_eq!(row.get::<&[u8], _>("b"), Some(&[1u8, 2, 3][..]));
    assert_eq!(row.get::<f64, _>("f"), Some(2.5));

    let sets = client
        .simple_query("SELECT CAST(NULL AS int) AS a; SELECT CAST(12.50 AS decimal(10,2)) AS d, CAST('2024-02-29' AS date) AS day")
        .await
        .unwrap()
        .into_results()
        .await
        .unwrap();
    assert_eq!(sets.len(), 2);
    assert_eq!(sets[0][0].get::<i32, _>(0), None);
    let d: tiberius::numeric::Numeric = sets[1][0].get(0).unwrap();
    assert_eq!((d.value(), d.scale()), (1250, 2));
}
