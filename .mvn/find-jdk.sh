# Sourced (POSIX sh) by ./mvnw, ./biomatch and .ci/run: makes JAVA_HOME point at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, then `java` on PATH if it is 25+, then /usr/lib/jvm/*25*, *26*, ...
biomatch_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
biomatch_find_jdk() {
  if [ -n "${JAVA_HOME-}" ] && [ -x "$JAVA_HOME/bin/java" ] && [ "$(biomatch_java_major "$JAVA_HOME")" -ge 25 ] 2>/dev/null; then
    return 0
  fi
  if command -v java >/dev/null 2>&1; then
    _bm_home=$(cd "$(dirname "$(readlink -f "$(command -v java)")")/.." && pwd)
    if [ "$(biomatch_java_major "$_bm_home")" -ge 25 ] 2>/dev/null; then JAVA_HOME=$_bm_home; export JAVA_HOME; return 0; fi
  fi
  _bm_noglob=0; case $- in *f*) _bm_noglob=1; set +f;; esac
  for _bm_home in /usr/lib/jvm/*-25-* /usr/lib/jvm/*25* /usr/lib/jvm/*-2[6-9]-* /usr/lib/jvm/*; do
    if [ -x "$_bm_home/bin/javac" ] && [ "$(biomatch_java_major "$_bm_home")" -ge 25 ] 2>/dev/null; then
      JAVA_HOME=$_bm_home; export JAVA_HOME; [ $_bm_noglob = 1 ] && set -f; return 0
    fi
  done
  [ $_bm_noglob = 1 ] && set -f
  echo "biomatch: no JDK 25 found (JAVA_HOME='${JAVA_HOME-}', java on PATH is $(java -version 2>&1 | head -n 1))." >&2
  echo "biomatch: install Temurin 25 and set JAVA_HOME to it, e.g. export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64" >&2
  return 1
}
