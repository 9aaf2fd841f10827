#!/usr/bin/env bash
# TLS against plain, one gateway at a time on 127.0.0.1 (same flags, same client program), then
# openssl s_time against the TLS node: full and resumed handshakes.
#   mvn -B -DskipTests package && load-tests/tls/run.sh
# SUBS, RATE (publishes/s), SECS (per repetition), IDLE (idle connections) may be set.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/tls-bench-XXXXXX)"
cp "$root/gateway/target/gateway.jar" "$work/gateway.jar"   # a private copy: rebuilds do not hit it
cp "$(dirname "$0")/TlsBench.java" "$work/"
cd "$work"
SUBS=${SUBS:-500}; RATE=${RATE:-40}; SECS=${SECS:-10}; IDLE=${IDLE:-2000}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt \
  -days 2 -subj /CN=bench-ca -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key -out tls.csr \
  -subj /CN=localhost 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -set_serial 7 -days 2 -extfile ext \
  -out leaf.crt 2>/dev/null
cat leaf.crt ca.crt > tls.crt
for mode in plain tls; do
  [ "$mode" = plain ] && port=18461 || port=18462
  extra=()
  if [ "$mode" = tls ]; then extra=(GATEWAY_TLS_CERT_FILE=$work/tls.crt GATEWAY_TLS_KEY_FILE=$work/tls.key); fi
  env GATEWAY_HOST=127.0.0.1 GATEWAY_PORT=$port GATEWAY_DEMO_ENABLED=false GATEWAY_EVENT_LOOPS=2 \
    GATEWAY_MAX_CONNECTIONS_PER_ADDRESS=10000 GATEWAY_MAX_HANDSHAKES_PER_ADDRESS=1000 "${extra[@]}" \
    java -XX:+UseSerialGC -Xmx512m -jar gateway.jar > gw-$mode.log 2>&1 &
  pid=$!
  for i in $(seq 1 60); do grep -q "listening" gw-$mode.log && break; sleep 0.5; done
  java -cp gateway.jar TlsBench.java $pid $port $([ $mode = tls ] && echo true || echo false) \
    ca.crt $SUBS $RATE $SECS $IDLE 2>&1 | grep -v "^WARN\|SLF4J" || true
  if [ "$mode" = tls ]; then
    for how in new reuse; do
      t0=$(awk '{print $14+$15}' /proc/$pid/stat)
      out=$(openssl s_time -connect 127.0.0.1:$port -$how -time 10 2>&1 | grep "connections in" | head -1)
      t1=$(awk '{print $14+$15}' /proc/$pid/stat)
      n=$(echo "$out" | awk '{print $1}')
      echo "s_time -$how: $out; server CPU per handshake: $(( (t1 - t0) * 10000 / (n > 0 ? n : 1) )) us"
    done
  fi
  kill $pid; wait $pid 2>/dev/null || true
done
rm -rf "$work"
