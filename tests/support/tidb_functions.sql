-- TiDB's vector functions, defined on MariaDB 11.8 with TiDB's semantics, so that the TiDB dialect's SQL runs
-- on a real server in this project's tests. Sources for each behaviour: ../shared/reference/tidb-vector-sql.md
-- (section 1.2: functions, NULL and zero-vector rules, error texts; 1.1: string arguments are cast).
-- Loaded with one multi-statement `raw_sql` call per test database; no DELIMITER lines.
--
-- Each distance function repeats its NULL, string and dimension checks: a SIGNAL raised in a function that
-- another function calls does not reach the caller on MariaDB 11.8, so the checks cannot be shared.
-- Vectors are MariaDB VECTOR values (little-endian f32 bytes). A text argument such as '[1,2,3]' is
-- parsed first, as TiDB casts strings to vectors in vector-only functions.
-- What cannot be made the same: MariaDB's own VECTOR(N) column reports a wrong dimension as 1292, not TiDB's
-- 1105, and its text parser refuses numbers that round to f32::MAX.

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
  SET v = VEC_FromText(s);
  IF v IS NULL THEN
    SIGNAL SQLSTATE 'HY000' SET MESSAGE_TEXT = msg, MYSQL_ERRNO = 1105;
  END IF;
  RETURN v;
END;

-- Exact text, unlike MariaDB's VEC_ToText (six significant digits): each f32 printed as the shortest
-- decimal of its exact double value, which reads back as the same f32.
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
    -- TiDB prints negative zero as -0; a DOUBLE -0 would print as 0.
    SET t = CONCAT(t, IF(i > 0, ',', ''),
                   IF(HEX(SUBSTRING(v, 4 * i + 1, 4)) = '00000080', '-0', tidb_vec_elem(v, i)));
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
