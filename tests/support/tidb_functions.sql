-- TiDB's vector functions, defined on MariaDB 11.8 with TiDB's semantics, so that the TiDB dialect's SQL runs
-- on a real server in this project's tests. Sources for each behaviour: ../shared/reference/tidb-vector-sql.md
-- (section 1.2: functions, NULL and zero-vector rules, error texts; 1.1: string arguments are cast).
-- Loaded with one multi-statement `raw_sql` call per test database; no DELIMITER lines.
--
-- Each distance function repeats its NULL, string and dimension checks: a SIGNAL raised in a function that
-- another function calls does not reach the caller on MariaDB 11.8, so the checks cannot be shared.
-- Vectors are MariaDB VECTOR values (little-endian f32 bytes). A text argument such as '[1,2,3]' is
-- parsed first, as TiDB casts strings to vectors in vector-only functions.
-- Checked against TiDB's documented examples and 2,000 random f32 values by tests/same_answers.rs.
--
-- What cannot be made the same, plainly:
-- - MariaDB's own VECTOR(N) column reports a wrong dimension as 1292, not TiDB's 1105.
-- - MariaDB stores no value of magnitude 1.8e19 or more (sqrt(f32::MAX)); TiDB takes every finite f32. (The
--   library refuses vectors longer than 9.2e18 anyway: its MAX_NORM.)
-- - Casts: TiDB's CAST(... AS VECTOR) and vector comparison operators (=, <, ...) have no counterpart here;
--   the library uses neither.
-- - Text is read by MariaDB's parser, through a double, then narrowed: a decimal within a hair of the middle
--   between two f32 values could round differently from TiDB's; the library's own text (shortest digits of
--   an f32) never does.

DROP FUNCTION IF EXISTS tidb_vec_arg;
CREATE FUNCTION tidb_vec_arg(v LONGBLOB) RETURNS LONGBLOB DETERMINISTIC
BEGIN
  IF v IS NOT NULL AND LEFT(v, 1) = '[' AND RIGHT(v, 1) = ']' AND JSON_VALID(v) THEN
    RETURN VEC_FromText(v);
  END IF;
  RETURN v;
END;

-- Element i (0-based) of a vector as an exact DOUBLE, from the IEEE-754 bits.
DROP FUNCTION IF EXISTS tidb_vec_elem;
CREATE FUNCTION tidb_vec_elem(v LONGBLOB, i INT) RETURNS DOUBLE DETERMINISTIC
BEGIN
  DECLARE bits BIGINT UNSIGNED DEFAULT CONV(HEX(REVERSE(SUBSTRING(v, 4 * i + 1, 4))), 16, 10);
  DECLARE e INT DEFAULT (bits >> 23) & 255;
  DECLARE m BIGINT DEFAULT bits & 8388607;
  DECLARE x DOUBLE;
  IF e = 0 THEN
    SET x = m * POW(2, -149);
  ELSE
    SET x = (m + 8388608) * POW(2, e - 150);
  END IF;
  IF bits >= 2147483648 THEN
    SET x = -x;
  END IF;
  RETURN x;
END;

DROP FUNCTION IF EXISTS VEC_FROM_TEXT;
CREATE FUNCTION VEC_FROM_TEXT(s LONGTEXT) RETURNS LONGBLOB DETERMINISTIC
BEGIN
  DECLARE v LONGBLOB;
  DECLARE msg TEXT DEFAULT CONCAT('Invalid vector text: ', LEFT(s, 200));
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  IF s IS NULL THEN
    RETURN NULL;
  END IF;
  -- TiDB reads a JSON array of numbers: MariaDB's parser would also take trailing text (`[1]extra`).
  IF NOT JSON_VALID(s) OR JSON_TYPE(s) <> 'ARRAY' THEN
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  SET v = VEC_FromText(s);
  IF v IS NULL THEN
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  RETURN v;
END;

-- Element i of a vector as TiDB prints it (Go's strconv.AppendFloat(v, 'f', -1, 32)): the fewest significant
-- digits that read back as the same f32, the nearest such when several do, in plain decimal, never with an
-- exponent: 2.1, 100000000000000000000 for 1e20, 0.00000015, -0.
DROP FUNCTION IF EXISTS tidb_vec_elem_text;
CREATE FUNCTION tidb_vec_elem_text(v LONGBLOB, i INT) RETURNS LONGTEXT DETERMINISTIC
BEGIN
  DECLARE x DOUBLE DEFAULT tidb_vec_elem(v, i);
  DECLARE a DOUBLE DEFAULT ABS(x);
  DECLARE p INT DEFAULT 1;
  DECLARE e INT;
  DECLARE k INT;
  DECLARE d DECIMAL(20, 0);
  DECLARE s LONGTEXT;
  DECLARE n INT;
  IF HEX(SUBSTRING(v, 4 * i + 1, 4)) = '00000080' THEN
    RETURN '-0';
  END IF;
  IF a = 0 THEN
    RETURN '0';
  END IF;
  SET e = FLOOR(LOG10(a));
  -- p significant digits: d x 10^k, the nearest to x; the first p that reads back as x's f32 wins.
  search: LOOP
    SET k = e - p + 1;
    SET d = ROUND(a / POW(10, k));
    IF d >= POW(10, p) THEN
      -- LOG10 fell just below a power of ten.
      SET d = ROUND(d / 10);
      SET k = k + 1;
    END IF;
    IF p >= 9 OR CAST(CAST(CONCAT(d, 'e', k) AS DOUBLE) AS FLOAT) = CAST(a AS FLOAT) THEN
      LEAVE search;
    END IF;
    SET p = p + 1;
  END LOOP;
  WHILE d > 0 AND MOD(d, 10) = 0 DO
    SET d = d DIV 10;
    SET k = k + 1;
  END WHILE;
  SET s = CAST(d AS CHAR);
  SET n = CHAR_LENGTH(s);
  IF k >= 0 THEN
    SET s = CONCAT(s, REPEAT('0', k));
  ELSEIF n > -k THEN
    SET s = CONCAT(LEFT(s, n + k), '.', RIGHT(s, -k));
  ELSE
    SET s = CONCAT('0.', REPEAT('0', -k - n), s);
  END IF;
  RETURN IF(x < 0, CONCAT('-', s), s);
END;

-- TiDB's text form of a vector: `[` + elements as above, joined by `,` + `]`. (MariaDB's VEC_ToText keeps
-- only six significant digits.)
DROP FUNCTION IF EXISTS VEC_AS_TEXT;
CREATE FUNCTION VEC_AS_TEXT(v LONGBLOB) RETURNS LONGTEXT DETERMINISTIC
BEGIN
  DECLARE i INT DEFAULT 0;
  DECLARE n INT;
  DECLARE t LONGTEXT DEFAULT '[';
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  SET v = tidb_vec_arg(v);
  SET n = LENGTH(v) DIV 4;
  WHILE i < n DO
    SET t = CONCAT(t, IF(i > 0, ',', ''), tidb_vec_elem_text(v, i));
    SET i = i + 1;
  END WHILE;
  RETURN CONCAT(t, ']');
END;

DROP FUNCTION IF EXISTS VEC_DIMS;
CREATE FUNCTION VEC_DIMS(v LONGBLOB) RETURNS BIGINT DETERMINISTIC
BEGIN
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  RETURN LENGTH(tidb_vec_arg(v)) DIV 4;
END;

-- TiDB: NULL for a zero vector (NaN mapped to NULL); MariaDB returns 0 when both are zero.
DROP FUNCTION IF EXISTS VEC_COSINE_DISTANCE;
CREATE FUNCTION VEC_COSINE_DISTANCE(a LONGBLOB, b LONGBLOB) RETURNS DOUBLE DETERMINISTIC
BEGIN
  DECLARE msg TEXT;
  IF a IS NULL OR b IS NULL THEN
    RETURN NULL;
  END IF;
  SET a = tidb_vec_arg(a), b = tidb_vec_arg(b);
  IF LENGTH(a) <> LENGTH(b) THEN
    SET msg = CONCAT('vectors have different dimensions: ', LENGTH(a) DIV 4, ' and ', LENGTH(b) DIV 4);
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  IF VEC_DISTANCE_EUCLIDEAN(a, REPEAT(X'00', LENGTH(a))) = 0
     OR VEC_DISTANCE_EUCLIDEAN(b, REPEAT(X'00', LENGTH(b))) = 0 THEN
    RETURN NULL;
  END IF;
  RETURN VEC_DISTANCE_COSINE(a, b);
END;

DROP FUNCTION IF EXISTS VEC_L2_DISTANCE;
CREATE FUNCTION VEC_L2_DISTANCE(a LONGBLOB, b LONGBLOB) RETURNS DOUBLE DETERMINISTIC
BEGIN
  DECLARE msg TEXT;
  IF a IS NULL OR b IS NULL THEN
    RETURN NULL;
  END IF;
  SET a = tidb_vec_arg(a), b = tidb_vec_arg(b);
  IF LENGTH(a) <> LENGTH(b) THEN
    SET msg = CONCAT('vectors have different dimensions: ', LENGTH(a) DIV 4, ' and ', LENGTH(b) DIV 4);
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  RETURN VEC_DISTANCE_EUCLIDEAN(a, b);
END;

DROP FUNCTION IF EXISTS VEC_L1_DISTANCE;
CREATE FUNCTION VEC_L1_DISTANCE(a LONGBLOB, b LONGBLOB) RETURNS DOUBLE DETERMINISTIC
BEGIN
  DECLARE msg TEXT;
  DECLARE i INT DEFAULT 0;
  DECLARE s DOUBLE DEFAULT 0;
  IF a IS NULL OR b IS NULL THEN
    RETURN NULL;
  END IF;
  SET a = tidb_vec_arg(a), b = tidb_vec_arg(b);
  IF LENGTH(a) <> LENGTH(b) THEN
    SET msg = CONCAT('vectors have different dimensions: ', LENGTH(a) DIV 4, ' and ', LENGTH(b) DIV 4);
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  WHILE i < LENGTH(a) DIV 4 DO
    SET s = s + ABS(tidb_vec_elem(a, i) - tidb_vec_elem(b, i));
    SET i = i + 1;
  END WHILE;
  RETURN s;
END;

DROP FUNCTION IF EXISTS VEC_NEGATIVE_INNER_PRODUCT;
CREATE FUNCTION VEC_NEGATIVE_INNER_PRODUCT(a LONGBLOB, b LONGBLOB) RETURNS DOUBLE DETERMINISTIC
BEGIN
  DECLARE msg TEXT;
  DECLARE i INT DEFAULT 0;
  DECLARE s DOUBLE DEFAULT 0;
  IF a IS NULL OR b IS NULL THEN
    RETURN NULL;
  END IF;
  SET a = tidb_vec_arg(a), b = tidb_vec_arg(b);
  IF LENGTH(a) <> LENGTH(b) THEN
    SET msg = CONCAT('vectors have different dimensions: ', LENGTH(a) DIV 4, ' and ', LENGTH(b) DIV 4);
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  WHILE i < LENGTH(a) DIV 4 DO
    SET s = s - tidb_vec_elem(a, i) * tidb_vec_elem(b, i);
    SET i = i + 1;
  END WHILE;
  RETURN s;
END;

DROP FUNCTION IF EXISTS VEC_L2_NORM;
CREATE FUNCTION VEC_L2_NORM(v LONGBLOB) RETURNS DOUBLE DETERMINISTIC
BEGIN
  DECLARE i INT DEFAULT 0;
  DECLARE s DOUBLE DEFAULT 0;
  IF v IS NULL THEN
    RETURN NULL;
  END IF;
  SET v = tidb_vec_arg(v);
  WHILE i < LENGTH(v) DIV 4 DO
    SET s = s + POW(tidb_vec_elem(v, i), 2);
    SET i = i + 1;
  END WHILE;
  RETURN SQRT(s);
END;
