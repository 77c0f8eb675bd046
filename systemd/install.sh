#!/usr/bin/env bash
# Install, upgrade or remove breathcue as a systemd service on Raspberry Pi OS.
#
#   sudo systemd/install.sh                 install or upgrade (run it again any time)
#   sudo systemd/install.sh --uninstall     remove the service, keep config, history and user
#   sudo systemd/install.sh --uninstall --purge   remove those too
#
# It is idempotent: every step checks before it changes anything. It never
# overwrites a config you edited: the new default goes beside it as
# config.toml.new. See docs/install.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: install.sh [options]

  --prefix DIR      where breathcue lives; the venv is DIR/venv (default /opt/breathcue, $PREFIX)
  --destdir DIR     install into DIR as if it were / (default $DESTDIR, empty)
  --source PATH     what pip installs: a source tree or a wheel (default: the tree this script is in)
  --extras LIST     pip extras to install (default: pi; "" for none)
  --pip-args ARGS   more arguments for pip, e.g. "--no-index --find-links DIR"
  --python PY       the Python that creates the venv (default python3)
  --no-system       leave the system alone: no apt-get, raspi-config, useradd, udevadm or
                    systemctl, and no need for root (for --destdir installs and tests)
  --no-start        enable the service but do not (re)start it
  --uninstall       stop and remove the service, unit, venv and udev rule; keep the
                    config in /etc/breathcue, the history in /var/lib/breathcue and the user
  --purge           with --uninstall: also delete the config, the history and the user
  -h, --help        this text
EOF
}

PREFIX=${PREFIX:-/opt/breathcue}
DESTDIR=${DESTDIR:-}
SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXTRAS=pi
PIP_ARGS=""
PYTHON=python3
SYSTEM=1
START=1
ACTION=install
PURGE=0
SERVICE_USER=breathcue
GROUPS_WANTED=(gpio i2c spi)
PIO_RULE='SUBSYSTEM=="*-pio", GROUP="gpio", MODE="0660"'

die() { echo "install.sh: $*" >&2; exit 1; }
say() { echo "breathcue: $*"; }
need_arg() { [ "$#" -ge 2 ] || die "$1 needs a value (see --help)"; }

while [ "$#" -gt 0 ]; do
    case "$1" in
        --prefix) need_arg "$@"; PREFIX=$2; shift 2 ;;
        --destdir) need_arg "$@"; DESTDIR=$2; shift 2 ;;
        --source) need_arg "$@"; SOURCE=$2; shift 2 ;;
        --extras) need_arg "$@"; EXTRAS=$2; shift 2 ;;
        --pip-args) need_arg "$@"; PIP_ARGS=$2; shift 2 ;;
        --python) need_arg "$@"; PYTHON=$2; shift 2 ;;
        --no-system) SYSTEM=0; shift ;;
        --no-start) START=0; shift ;;
        --uninstall) ACTION=uninstall; shift ;;
        --purge) PURGE=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done

case "$PREFIX" in
    *[[:space:]\#\&\\]*) die "--prefix must not contain spaces, #, & or backslashes: $PREFIX" ;;
    /?*) ;;
    *) die "--prefix must be an absolute path other than /: $PREFIX" ;;
esac
PREFIX=${PREFIX%/}
DESTDIR=${DESTDIR%/}
[ "$PURGE" = 0 ] || [ "$ACTION" = uninstall ] || die "--purge goes with --uninstall"
if [ "$SYSTEM" = 1 ] && [ "$(id -u)" != 0 ]; then
    die "run it as root (sudo $0 ...), or with --no-system --destdir DIR"
fi

VENV=$PREFIX/venv                          # as the running system sees it
ROOT_VENV=$DESTDIR$VENV                    # where this script writes it
CONF_DIR=$DESTDIR/etc/breathcue
CONF=$CONF_DIR/config.toml
PRISTINE=$DESTDIR$PREFIX/config.toml.default   # the default we last installed, to spot edits
UNIT=$DESTDIR/etc/systemd/system/breathcue.service
RULE=$DESTDIR/etc/udev/rules.d/99-breathcue-pio.rules
LINK=$DESTDIR/usr/local/bin/breathcue
STATE=$DESTDIR/var/lib/breathcue

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

system() { [ "$SYSTEM" = 1 ]; }

# --- install steps -----------------------------------------------------------------

install_prerequisites() {
    # python3-dev and build-essential: rpi_ws281x and RPi.GPIO compile C code on the Pi.
    command -v apt-get >/dev/null || return 0
    local missing=()
    for pkg in python3-venv python3-dev build-essential; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        say "installing ${missing[*]}"
        apt-get install -y --no-install-recommends "${missing[@]}"
    fi
}

enable_interfaces() {
    # I2C for the ADS1115, SPI for the ring on GPIO10. raspi-config: 0 means enable.
    command -v raspi-config >/dev/null || { say "no raspi-config: enable I2C and SPI yourself (docs/install.md)"; return 0; }
    [ -e /dev/i2c-1 ] || { say "enabling I2C"; raspi-config nonint do_i2c 0; }
    [ -e /dev/spidev0.0 ] || { say "enabling SPI"; raspi-config nonint do_spi 0; }
}

create_user() {
    if ! getent passwd "$SERVICE_USER" >/dev/null; then
        say "creating system user $SERVICE_USER"
        useradd --system --user-group --home-dir /var/lib/breathcue --no-create-home \
            --shell /usr/sbin/nologin --comment "breathcue daemon" "$SERVICE_USER"
    fi
    local group
    for group in "${GROUPS_WANTED[@]}"; do
        if ! getent group "$group" >/dev/null; then
            say "warning: there is no group $group (is this Raspberry Pi OS?); the unit's SupplementaryGroups= needs it"
        elif ! id -nG "$SERVICE_USER" | tr ' ' '\n' | grep -qx "$group"; then
            usermod -aG "$group" "$SERVICE_USER"
        fi
    done
}

install_venv() {
    if [ ! -x "$ROOT_VENV/bin/python" ]; then
        say "creating the venv $VENV"
        mkdir -p "$(dirname "$ROOT_VENV")"
        "$PYTHON" -m venv "$ROOT_VENV"
    fi
    local target=$SOURCE
    [ -z "$EXTRAS" ] || target="${SOURCE}[${EXTRAS}]"
    say "installing $target into $VENV"
    # shellcheck disable=SC2086  # PIP_ARGS is a list of words by design
    "$ROOT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check $PIP_ARGS "$target"
    mkdir -p "$(dirname "$LINK")"
    ln -sfn "$VENV/bin/breathcue" "$LINK"
}

packaged_default() {
    # The default config of the package just installed, read without importing it.
    "$ROOT_VENV/bin/python" - <<'EOF'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("breathcue")
sys.stdout.write((pathlib.Path(spec.submodule_search_locations[0]) / "default.toml").read_text(encoding="utf-8"))
EOF
}

# The config may hold web.token or MQTT settings: root writes it, the service's group reads it, nobody else.
install_private() {
    if [ "$(id -u)" = 0 ] && getent group "$SERVICE_USER" >/dev/null; then
        install -m 0640 -g "$SERVICE_USER" "$@"
    else
        install -m 0640 "$@"
    fi
}

install_config() {
    local new=$TMP/config.toml
    packaged_default >"$new"
    mkdir -p "$CONF_DIR"
    if [ ! -e "$CONF" ]; then
        say "installing the default config $CONF"
        install_private "$new" "$CONF"
        rm -f "$CONF.new"
    elif cmp -s "$CONF" "$new"; then
        rm -f "$CONF.new"
    elif [ -e "$PRISTINE" ] && cmp -s "$CONF" "$PRISTINE"; then
        say "updating the unedited config $CONF to the new default"
        install_private "$new" "$CONF"
        rm -f "$CONF.new"
    elif [ -e "$CONF.new" ] && cmp -s "$CONF.new" "$new"; then
        say "kept your edited $CONF; the new default is still in $CONF.new"
    else
        install_private "$new" "$CONF.new"
        say "kept your edited $CONF; the new default is in $CONF.new (compare: diff $CONF $CONF.new)"
    fi
    install -D -m 0644 "$new" "$PRISTINE"
    if [ -e "$CONF" ] && [ -n "$(find "$CONF" -perm -o=r)" ]; then
        chmod o-rwx "$CONF"
        say "made $CONF unreadable to other users (it may hold web.token)"
    fi
}

install_unit() {
    # The unit in the repo names /opt/breathcue/venv; point its Exec lines at this venv.
    local unit_src=$SOURCE/systemd/breathcue.service new=$TMP/breathcue.service
    [ -f "$unit_src" ] || unit_src=$(dirname "${BASH_SOURCE[0]}")/breathcue.service
    sed -E "s#^(Exec[A-Za-z]*=[-@:+!]*)[^ ]*/bin/breathcue( |\$)#\\1$VENV/bin/breathcue\\2#" "$unit_src" >"$new"
    if ! cmp -s "$new" "$UNIT" 2>/dev/null; then
        say "installing $UNIT"
        install -D -m 0644 "$new" "$UNIT"
    fi
    if ! [ -e "$RULE" ] || [ "$(cat "$RULE")" != "$PIO_RULE" ]; then
        say "installing the Pi 5 PIO udev rule $RULE"
        mkdir -p "$(dirname "$RULE")"
        printf '%s\n' "$PIO_RULE" >"$RULE"
        if system && command -v udevadm >/dev/null; then
            udevadm control --reload-rules
            udevadm trigger --action=change --subsystem-match='*-pio'
        fi
    fi
}

start_service() {
    command -v systemctl >/dev/null || { say "no systemctl: start breathcue yourself"; return 0; }
    systemctl daemon-reload
    systemctl enable --quiet breathcue.service
    if [ "$START" = 1 ]; then
        say "(re)starting breathcue.service"
        systemctl restart breathcue.service
    fi
}

do_install() {
    if system; then
        install_prerequisites
        enable_interfaces
        create_user
    fi
    install_venv
    install_config
    install_unit
    if system; then start_service; fi
    say "installed: venv $VENV, config /etc/breathcue/config.toml, unit /etc/systemd/system/breathcue.service"
    say "next: breathcue doctor; logs: journalctl -u breathcue -f"
}

# --- uninstall ------------------------------------------------------------------------

do_uninstall() {
    if system && command -v systemctl >/dev/null; then
        systemctl disable --now --quiet breathcue.service 2>/dev/null || true
    fi
    if [ -e "$UNIT" ]; then say "removing $UNIT"; rm -f "$UNIT"; fi
    if system && command -v systemctl >/dev/null; then systemctl daemon-reload; fi
    rm -f "$RULE"
    if [ -L "$LINK" ] && [ "$(readlink "$LINK")" = "$VENV/bin/breathcue" ]; then rm -f "$LINK"; fi
    if [ -d "$ROOT_VENV" ]; then say "removing $VENV"; rm -rf "$ROOT_VENV"; fi
    rm -f "$PRISTINE"
    rmdir "$DESTDIR$PREFIX" 2>/dev/null || true
    if [ "$PURGE" = 1 ]; then
        say "deleting the config $CONF_DIR and the history and status in $STATE"
        rm -rf "$CONF_DIR" "$STATE"
        if system && getent passwd "$SERVICE_USER" >/dev/null; then
            say "removing the user $SERVICE_USER"
            userdel "$SERVICE_USER"
        fi
    else
        say "kept the config $CONF_DIR, the history in $STATE and the user $SERVICE_USER (--purge removes them)"
    fi
}

if [ "$ACTION" = install ]; then do_install; else do_uninstall; fi
