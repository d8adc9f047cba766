#!/usr/bin/env bash
# scripts/mariadb.sh start|stop|status|url — a private MariaDB server for mlpipe's tests and benchmarks.
# Its own datadir, socket and port under $MLPIPE_MARIADB_DIR (default: ./_mariadb, i.e. the build folder when
# run from there); created with mariadb-install-db on first use, with a user and a database for the tests.
# Prints the store URL: mariadb://USER:PASS@127.0.0.1:PORT/DB
# Environment: MLPIPE_MARIADB_DIR, MLPIPE_MARIADB_PORT (default 33306), MLPIPE_MARIADB_USER/PASSWORD/DATABASE,
# MLPIPE_MARIADB_DURABLE=1 (fsync every commit, as a production server; the default skips fsync: a throw-away
# test server whose data need not survive a power cut, so creating the schema in each test stays fast).
set -euo pipefail

cmd=${1:-status}
dir=${MLPIPE_MARIADB_DIR:-$PWD/_mariadb}
port=${MLPIPE_MARIADB_PORT:-33306}
user=${MLPIPE_MARIADB_USER:-mlpipe}
pass=${MLPIPE_MARIADB_PASSWORD:-mlpipe}
db=${MLPIPE_MARIADB_DATABASE:-mlpipe_test}
data=$dir/data
if [[ ${MLPIPE_MARIADB_DURABLE:-0} == 1 ]]; then
  durability=(--innodb-flush-log-at-trx-commit=1)
else
  durability=(--innodb-flush-log-at-trx-commit=0 --innodb-flush-method=nosync --innodb-doublewrite=0)
fi
sock=$dir/mariadb.sock
pidf=$dir/mariadb.pid
log=$dir/mariadb.log
url="mariadb://$user:$pass@127.0.0.1:$port/$db"

find_bin() { for b in "$@"; do command -v "$b" 2>/dev/null && return 0; for p in /usr/sbin /usr/bin /usr/local/bin; do [[ -x $p/$b ]] && { echo "$p/$b"; return 0; }; done; done; return 1; }
MARIADBD=$(find_bin mariadbd mysqld) || { echo "mariadb.sh: no mariadbd/mysqld found (apt-get install mariadb-server)" >&2; exit 1; }
INSTALL_DB=$(find_bin mariadb-install-db mysql_install_db) || { echo "mariadb.sh: no mariadb-install-db found" >&2; exit 1; }
CLIENT=$(find_bin mariadb mysql) || { echo "mariadb.sh: no mariadb client found" >&2; exit 1; }
os_user=$(id -un)

running() { [[ -f $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null; }
admin() { "$CLIENT" --no-defaults --protocol=socket --socket="$sock" -u"$os_user" "$@"; }

case $cmd in
  start)
    mkdir -p "$dir"
    if running; then echo "$url"; exit 0; fi
    if [[ ! -d $data/mysql ]]; then
      rm -rf "$data"; mkdir -p "$data"
      "$INSTALL_DB" --no-defaults --datadir="$data" --user="$os_user" --auth-root-authentication-method=socket \
        --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
      fresh=1
    fi
    "$MARIADBD" --no-defaults --datadir="$data" --socket="$sock" --port="$port" --bind-address=127.0.0.1 \
      --pid-file="$pidf" --log-error="$log" --user="$os_user" --skip-name-resolve \
      --default-storage-engine=InnoDB --character-set-server=utf8mb4 --collation-server=utf8mb4_bin \
      --innodb-buffer-pool-size=64M --innodb-log-file-size=32M "${durability[@]}" \
      --max-connections=200 >/dev/null 2>&1 &
    for _ in $(seq 1 300); do
      if [[ -S $sock ]] && admin -e "SELECT 1" >/dev/null 2>&1; then break; fi
      sleep 0.1
    done
    if ! admin -e "SELECT 1" >/dev/null 2>&1; then
      echo "mariadb.sh: the server did not start; see $log" >&2; tail -n 20 "$log" >&2 || true; exit 1
    fi
    admin <<SQL
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '$user'@'localhost';
CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
FLUSH PRIVILEGES;
SQL
    echo "$url"
    ;;
  stop)
    if running; then
      pid=$(cat "$pidf")
      kill "$pid"
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then kill -9 "$pid"; fi
    fi
    echo "stopped"
    ;;
  status)
    if running; then echo "running: $url (pid $(cat "$pidf"), datadir $data)"; else echo "not running (datadir $data)"; exit 3; fi
    ;;
  url)
    echo "$url"
    ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
