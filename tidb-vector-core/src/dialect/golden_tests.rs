//! Golden test: every statement the TiDB dialect emits, pinned, and checked against the rules of TiDB's
//! vector SQL (../shared/reference/tidb-vector-sql.md, sections noted beside each check). A white-box test:
//! it drives the dialect directly.

use super::{Dialect, Param, SearchOptions, SearchRequest};
use crate::{Backend, Metric, VectorModel};

#[derive(VectorModel)]
#[vector(table = "documents")]
struct Document {
    content: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

#[derive(VectorModel)]
struct Article {
    id: Option<i64>,
    title: String,
    views: Option<u32>,
    #[vector(dimensions = 768, index = "l2")]
    embedding: Vec<f32>,
}

/// Two vector fields, each with its own dimensions and index; a String key.
#[derive(VectorModel)]
struct Product {
    #[vector(key, max_length = 32)]
    sku: String,
    #[vector(dimensions = 4, index = "cosine")]
    text_vec: Vec<f32>,
    #[vector(dimensions = 2, index = "l2")]
    image_vec: [f32; 2],
}

#[test]
fn several_vector_fields() {
    // 1.3: one VECTOR INDEX clause a column, each with its own metric, in CREATE TABLE.
    assert_eq!(
        tidb().create_table(&Product::SCHEMA),
        "CREATE TABLE IF NOT EXISTS `products` (`sku` VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin \
         NOT NULL PRIMARY KEY, `text_vec` VECTOR(4) NOT NULL, `image_vec` VECTOR(2) NOT NULL, \
         VECTOR INDEX `vec_idx_text_vec_cosine` ((VEC_COSINE_DISTANCE(`text_vec`))) USING HNSW, \
         VECTOR INDEX `vec_idx_image_vec_l2` ((VEC_L2_DISTANCE(`image_vec`))) USING HNSW)"
    );
    // 1.4: a search by the second field is the index-eligible shape on its own column and metric.
    let statement = Product::search_on(Product::FIELDS.image_vec, &[0.5, 0.5])
        .metric(Metric::L2)
        .limit(3)
        .statement(Backend::TiDb)
        .unwrap();
    assert_eq!(
        statement.sql,
        "SELECT `sku`, VEC_AS_TEXT(`text_vec`) AS `text_vec`, VEC_AS_TEXT(`image_vec`) AS `image_vec`, \
         VEC_L2_DISTANCE(`image_vec`, VEC_FROM_TEXT(?)) AS `_distance` FROM `products` \
         ORDER BY `_distance` LIMIT 3"
    );
    // MariaDB builds one vector index a table: refused before any SQL.
    assert!(matches!(
        Product::ddl(Backend::MariaDb),
        Err(crate::Error::Unsupported { .. })
    ));
}

/// TiDB's `AUTO_RANDOM` key.
#[derive(VectorModel)]
struct Event {
    #[vector(key, auto_random)]
    id: i64,
    #[vector(dimensions = 2)]
    embedding: [f32; 2],
}

#[test]
fn auto_random_key() {
    // TiDB's form (docs' auto-random.md; pkg/parser accepts the column options in any order); a single
    // BIGINT primary key is clustered under every `tidb_enable_clustered_index` but OFF, which TiDB then
    // reports ("auto_random ... clustered").
    assert_eq!(
        Event::ddl(Backend::TiDb).unwrap(),
        [
            "CREATE TABLE IF NOT EXISTS `events` (`id` BIGINT NOT NULL AUTO_RANDOM PRIMARY KEY, \
          `embedding` VECTOR(2) NOT NULL)"
        ]
    );
    // The insert names the key: TiDB assigns one for 0 or NULL (insert_common.go adjustAutoRandomDatum).
    assert_eq!(
        tidb().insert(&Event::SCHEMA, 1),
        "INSERT INTO `events` (`id`, `embedding`) VALUES (?, VEC_FROM_TEXT(?))"
    );
    // MariaDB and SQLite have no AUTO_RANDOM: refused before any SQL.
    for backend in [Backend::MariaDb, Backend::Sqlite] {
        match Event::ddl(backend) {
            Err(crate::Error::Unsupported { what, .. }) => {
                assert!(
                    what.contains("AUTO_RANDOM") && what.contains("`id`"),
                    "{what}"
                )
            }
            other => panic!("{backend:?}: {other:?}"),
        }
    }
}

fn tidb() -> &'static Dialect {
    Dialect::of(Backend::TiDb)
}

const NEAREST_COSINE: &str = "SELECT `id`, `content`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
     VEC_COSINE_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` FROM `documents` \
     ORDER BY `_distance` LIMIT 3";

#[test]
fn ddl_statements() {
    let d = tidb();
    assert_eq!(
        d.create_table(&Document::SCHEMA),
        "CREATE TABLE IF NOT EXISTS `documents` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         `content` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL, `embedding` VECTOR(3) NOT NULL)"
    );
    assert_eq!(
        d.drop_table(&Document::SCHEMA),
        "DROP TABLE IF EXISTS `documents`"
    );
    // 1.3: an index declared in CREATE TABLE, metric function in double parentheses, HNSW; TiDB sets the
    // TiFlash replica itself in this form.
    assert_eq!(
        d.create_table(&Article::SCHEMA),
        "CREATE TABLE IF NOT EXISTS `articles` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         `title` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL, `views` INT UNSIGNED NULL, `embedding` VECTOR(768) NOT NULL, \
         VECTOR INDEX `vec_idx_embedding_l2` ((VEC_L2_DISTANCE(`embedding`))) USING HNSW)"
    );
}

#[test]
fn insert_statements() {
    let d = tidb();
    // 1.1 / 1.7: a vector goes in as text through VEC_FROM_TEXT(?), valid on TiDB and on MariaDB.
    assert_eq!(
        d.insert(&Document::SCHEMA, 1),
        "INSERT INTO `documents` (`content`, `embedding`) VALUES (?, VEC_FROM_TEXT(?))"
    );
    assert_eq!(
        d.insert(&Document::SCHEMA, 3),
        "INSERT INTO `documents` (`content`, `embedding`) VALUES (?, VEC_FROM_TEXT(?)), \
         (?, VEC_FROM_TEXT(?)), (?, VEC_FROM_TEXT(?))"
    );
    assert_eq!(
        d.insert(&Article::SCHEMA, 1),
        "INSERT INTO `articles` (`id`, `title`, `views`, `embedding`) VALUES (?, ?, ?, VEC_FROM_TEXT(?))"
    );
}

#[test]
fn nearest_statements_have_the_index_eligible_shape() {
    let d = tidb();
    let nearest = d.nearest(&Document::SCHEMA, Metric::Cosine, 3).unwrap();
    assert_eq!(nearest.sql, NEAREST_COSINE);
    assert_eq!(nearest.params, [Param::Query]);
    for (metric, function) in [
        (Metric::Cosine, "VEC_COSINE_DISTANCE"),
        (Metric::L2, "VEC_L2_DISTANCE"),
        (Metric::L1, "VEC_L1_DISTANCE"),
        (Metric::NegativeInnerProduct, "VEC_NEGATIVE_INNER_PRODUCT"),
    ] {
        let sql = d.nearest(&Document::SCHEMA, metric, 3).unwrap().sql;
        assert_eq!(sql, NEAREST_COSINE.replace("VEC_COSINE_DISTANCE", function));
        // 1.4: one ascending distance of (column, constant), directly over the table, no WHERE or
        // HAVING, a LIMIT.
        assert!(sql.contains(&format!("{function}(`embedding`, VEC_FROM_TEXT(?))")));
        for forbidden in [" WHERE ", " HAVING ", " DESC", " JOIN "] {
            assert!(!sql.contains(forbidden), "{forbidden} in {sql}");
        }
        assert!(sql.ends_with("ORDER BY `_distance` LIMIT 3"));
    }
}

#[test]
fn threshold_statement_filters_outside_the_candidate_query() {
    let d = tidb();
    let within = d
        .within(&Document::SCHEMA, Metric::Cosine, 10, 100)
        .unwrap();
    // 1.5: the threshold in an outer query over the index-eligible nearest-candidates subquery.
    assert_eq!(
        within.sql,
        "SELECT * FROM (SELECT `id`, `content`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
         VEC_COSINE_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` FROM `documents` \
         ORDER BY `_distance` LIMIT 100) AS `_candidates` WHERE `_distance` IS NULL OR `_distance` < ? \
         ORDER BY `_distance` LIMIT 10"
    );
    assert_eq!(within.params, [Param::Query, Param::MaxDistance]);
    let inner = within
        .sql
        .split_once("(SELECT ")
        .and_then(|(_, rest)| rest.split_once(") AS `_candidates`"))
        .map(|(inner, _)| inner)
        .unwrap();
    assert!(!inner.contains("WHERE") && !inner.contains("HAVING"));
}

#[test]
fn a_page_fetches_the_rows_before_it_in_the_index_shape() {
    // The page is the plain nearest query of `offset + limit` rows (no OFFSET clause; TiDB would take
    // `Count + Offset` as the index's TopK anyway, tidb-vector-sql.md 1.4): index-eligible; the search skips
    // the first `offset` rows.
    let page = Document::search(&[1.0, 2.0, 3.0])
        .offset(20)
        .limit(10)
        .statement(Backend::TiDb)
        .unwrap();
    assert_eq!(page.sql, NEAREST_COSINE.replace("LIMIT 3", "LIMIT 30"));
    // With a bound, the candidates follow the rows the page needs: 10 x 30.
    let bounded = Document::search(&[1.0, 2.0, 3.0])
        .offset(20)
        .limit(10)
        .max_distance(0.5)
        .statement(Backend::TiDb)
        .unwrap();
    assert!(
        bounded
            .sql
            .contains("ORDER BY `_distance` LIMIT 300) AS `_candidates`")
            && bounded.sql.ends_with("ORDER BY `_distance` LIMIT 30"),
        "{}",
        bounded.sql
    );
}

#[test]
fn every_statement_binds_as_many_values_as_it_has_placeholders() {
    let d = tidb();
    for metric in Metric::ALL {
        for statement in [
            d.nearest(&Document::SCHEMA, metric, 5).unwrap(),
            d.within(&Document::SCHEMA, metric, 5, 50).unwrap(),
        ] {
            assert_eq!(
                statement.sql.matches('?').count(),
                statement.params.len(),
                "{}",
                statement.sql
            );
        }
    }
}

#[test]
fn no_vector_column_is_read_raw() {
    // 1.6: TiDB sends a raw VECTOR column as text, MariaDB as bytes; VEC_AS_TEXT reads the same on both.
    let sql = tidb().nearest(&Article::SCHEMA, Metric::L2, 5).unwrap().sql;
    assert!(sql.contains("VEC_AS_TEXT(`embedding`) AS `embedding`"));
    assert_eq!(sql.matches("`embedding`").count(), 3, "{sql}");
}

#[test]
fn filtered_statements_keep_the_filters_outside_the_candidate_query() {
    let d = tidb();
    let f = Filtered::FIELDS;
    let filter = f.year.ge(2020) & (f.lang.is_in(["en", "de"]) | f.note.is_null());
    let mut options = SearchOptions {
        limit: 5,
        candidates: Some(50),
        ..SearchOptions::new()
    };
    let render = |options: &SearchOptions| {
        let request = SearchRequest {
            filter: Some(filter.node()),
            ..SearchRequest::new(options, &[])
        };
        d.search(&Filtered::SCHEMA, &request).unwrap()
    };
    let statement = render(&options);
    // 1.5: the index-eligible nearest-candidates query inside, filters outside; candidates with a NULL
    // distance come back first, to be counted and dropped by the search (issue 11).
    assert_eq!(
        statement.sql,
        "SELECT * FROM (SELECT `id`, `year`, `lang`, `note`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
         VEC_COSINE_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` FROM `filtered` \
         ORDER BY `_distance` LIMIT 50) AS `_candidates` WHERE `_distance` IS NULL OR \
         (`year` >= ? AND (`lang` IN (?, ?) OR `note` IS NULL)) ORDER BY `_distance` LIMIT 5"
    );
    assert_eq!(statement.params.len(), 4);

    // Exact mode: the same conditions in a WHERE over the table, which TiDB answers by a full scan.
    options.exact = true;
    options.max_distance = Some(0.3);
    assert_eq!(
        render(&options).sql,
        "SELECT `id`, `year`, `lang`, `note`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
         VEC_COSINE_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` FROM `filtered` \
         WHERE VEC_COSINE_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) < ? AND \
         (`year` >= ? AND (`lang` IN (?, ?) OR `note` IS NULL)) ORDER BY `_distance` LIMIT 5"
    );

    // Hints and literal mode (1.7): the hints go in the index-eligible query; the literal is the codec's.
    let options = SearchOptions {
        metric: Metric::L2,
        limit: 3,
        read_from_tiflash: true,
        ignore_plan_cache: true,
        literal: true,
        ..SearchOptions::new()
    };
    let query = [1.0, 2.5, -0.1];
    let statement = d
        .search(&Document::SCHEMA, &SearchRequest::new(&options, &query))
        .unwrap();
    assert_eq!(
        statement.sql,
        "SELECT /*+ READ_FROM_STORAGE(TIFLASH[documents]), IGNORE_PLAN_CACHE() */ `id`, `content`, \
         VEC_AS_TEXT(`embedding`) AS `embedding`, VEC_L2_DISTANCE(`embedding`, VEC_FROM_TEXT('[1,2.5,-0.1]')) \
         AS `_distance` FROM `documents` ORDER BY `_distance` LIMIT 3"
    );
    assert!(statement.params.is_empty());
}

#[test]
fn index_ddl_for_an_existing_table() {
    // 1.3 / 3: an index added later needs a TiFlash replica; the replica count is read first, and only a
    // table without one gets `SET TIFLASH REPLICA 1` (which would lower a table that has more).
    assert_eq!(
        tidb().tiflash_replica_count(),
        Some(
            "SELECT CAST(COALESCE(MAX(REPLICA_COUNT), 0) AS SIGNED) FROM INFORMATION_SCHEMA.TIFLASH_REPLICA \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
        )
    );
    // IF NOT EXISTS (pkg/parser/parser.y:12393 @v8.5.3, `"VECTOR" "INDEX" IfNotExists IndexNameAndTypeOpt`;
    // parser_test.go:3206): a retried ADD whose first attempt's job was queued is a note, not 1061
    // (pkg/ddl/executor.go:4939 @master).
    let add = "ALTER TABLE `documents` ADD VECTOR INDEX IF NOT EXISTS `vec_idx_embedding_cosine` \
               ((VEC_COSINE_DISTANCE(`embedding`))) USING HNSW";
    assert_eq!(
        tidb()
            .add_vector_index(&Document::SCHEMA, Metric::Cosine, true)
            .unwrap(),
        ["ALTER TABLE `documents` SET TIFLASH REPLICA 1", add]
    );
    assert_eq!(
        tidb()
            .add_vector_index(&Document::SCHEMA, Metric::Cosine, false)
            .unwrap(),
        [add]
    );
    assert_eq!(
        tidb().add_vector_index(&Document::SCHEMA, Metric::L1, true),
        None
    );
    assert_eq!(Dialect::of(Backend::MariaDb).tiflash_replica_count(), None);
}

#[test]
fn index_progress_statements() {
    // 3 (TIFLASH_INDEXES): one row per TiFlash instance and index; filtered by the names this crate gives
    // the model's index, so another index of the table never counts. Asked first: TiFlash reports an
    // index while building it, and TIDB_INDEXES lists it only once public (infoschema_reader.go:1533,
    // 3677-3680 @master); TiFlash names it lower-cased (meta/model/table.go:575), so the names are bound
    // lower-cased. Then TIDB_INDEXES and DDL_JOBS tell "no index" from "not reported yet".
    assert_eq!(
        tidb().tiflash_index_progress(&Article::SCHEMA),
        Some([
            "SELECT CAST(COALESCE(SUM(ROWS_STABLE_INDEXED), 0) AS SIGNED), \
             CAST(COALESCE(SUM(ROWS_STABLE_NOT_INDEXED), 0) AS SIGNED), CAST(COUNT(*) AS SIGNED), \
             COALESCE(GROUP_CONCAT(NULLIF(ERROR_MESSAGE, '') SEPARATOR '\n'), '') \
             FROM INFORMATION_SCHEMA.TIFLASH_INDEXES \
             WHERE TIDB_DATABASE = DATABASE() AND TIDB_TABLE = ? AND INDEX_NAME IN (?, ?)"
                .to_owned(),
            "SELECT CAST(COUNT(*) AS SIGNED) FROM INFORMATION_SCHEMA.TIDB_INDEXES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND KEY_NAME IN (?, ?)"
                .to_owned(),
            // DDL_JOBS' columns: pkg/infoschema/tables.go:1268-1282 @v8.5.3; the job's type is
            // `add vector index` (pkg/meta/model/job.go:185 @v8.5.3) or `add columnar index` (:194
            // @master); its states as JobState.String() spells them (job.go:1136-1161 @master).
            "SELECT CAST(COUNT(*) AS SIGNED) FROM INFORMATION_SCHEMA.DDL_JOBS \
             WHERE DB_NAME = DATABASE() AND TABLE_NAME = ? \
             AND JOB_TYPE IN ('add vector index', 'add columnar index') \
             AND STATE IN ('queueing', 'running', 'pausing', 'paused', 'done')"
                .to_owned(),
        ])
    );
    // Two vector fields: the names of both columns' indexes.
    let [_, exists, _] = tidb().tiflash_index_progress(&Product::SCHEMA).unwrap();
    assert!(exists.ends_with("KEY_NAME IN (?, ?, ?, ?)"), "{exists}");
    assert_eq!(
        tidb().vector_index_names(&Product::SCHEMA),
        [
            "vec_idx_text_vec_cosine",
            "vec_idx_text_vec_l2",
            "vec_idx_image_vec_cosine",
            "vec_idx_image_vec_l2"
        ]
    );
    // The names bound are those of the index DDL above and of CREATE TABLE.
    assert_eq!(
        tidb().vector_index_names(&Article::SCHEMA),
        ["vec_idx_embedding_cosine", "vec_idx_embedding_l2"]
    );
    assert!(
        tidb()
            .create_table(&Article::SCHEMA)
            .contains("`vec_idx_embedding_l2`")
    );
    assert_eq!(
        Dialect::of(Backend::MariaDb).tiflash_index_progress(&Article::SCHEMA),
        None
    );
}

#[test]
fn table_check_statements() {
    // The live table's columns (information_schema.COLUMNS shows a vector column as `vector(N)`: TiDB's
    // type string for TypeTiDBVectorFloat32 has the dimensions as its suffix; COLLATION_NAME is the
    // column's own, from its ColDesc: pkg/infoschema/tables.go:507, infoschema_reader.go:1218 @9a5c882),
    // the table bound.
    assert_eq!(
        tidb().live_columns(),
        "SELECT COLUMN_NAME, COLUMN_TYPE, CAST(IS_NULLABLE = 'YES' AS SIGNED), \
         CAST(COLUMN_DEFAULT IS NOT NULL OR EXTRA LIKE '%auto_increment%' \
         OR EXTRA LIKE '%GENERATED%' AS SIGNED), \
         CAST(COLUMN_KEY = 'PRI' AS SIGNED), CAST(EXTRA LIKE '%auto_increment%' AS SIGNED), \
         COLLATION_NAME \
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
         ORDER BY ORDINAL_POSITION"
    );
    // The vector indexes: SHOW CREATE TABLE is the one place TiDB prints a vector index's metric
    // (``VECTOR INDEX `n`((VEC_COSINE_DISTANCE(`c`)))``, pkg/executor/show.go:1213-1234 @v8.5.3);
    // TIDB_INDEXES.Expression is NULL for it (the index is on the plain column, pkg/ddl/index.go:479 and
    // pkg/executor/infoschema_reader.go:1553-1556 @master). The parser is unit-tested on those lines in
    // table_check.rs.
    assert_eq!(
        tidb().show_create_table(&Article::SCHEMA).unwrap(),
        "SHOW CREATE TABLE `articles`"
    );
    // Whether a full-text index of that name exists (table and index name bound): STATISTICS lists
    // TABLE_SCHEMA, TABLE_NAME and INDEX_NAME (pkg/infoschema/tables.go tableStatisticsCols), public
    // indexes only (tidb-vector-sql.md section 5).
    assert_eq!(
        tidb().index_exists(),
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = ?"
    );
    // The version (`8.0.11-TiDB-v8.5.3`, read for the vector-index floor) and the packet limit.
    assert_eq!(tidb().server_version(), "SELECT VERSION()");
    assert_eq!(
        tidb().packet_limit(),
        "SELECT CAST(@@max_allowed_packet AS UNSIGNED)"
    );
    assert_eq!(Dialect::of(Backend::TiDb).sqlite_table_sql(), None);
    // `ddl` is the statement `create_table` runs.
    assert_eq!(
        Article::ddl(Backend::TiDb).unwrap(),
        [tidb().create_table(&Article::SCHEMA)]
    );
}

#[test]
fn record_statements() {
    let d = tidb();
    assert_eq!(
        d.get(&Document::SCHEMA).sql,
        "SELECT `id`, `content`, VEC_AS_TEXT(`embedding`) AS `embedding` FROM `documents` WHERE `id` = ?"
    );
    assert_eq!(
        d.update(&Document::SCHEMA).sql,
        "UPDATE `documents` SET `content` = ?, `embedding` = VEC_FROM_TEXT(?) WHERE `id` = ?"
    );
    assert_eq!(
        d.upsert(&Document::SCHEMA).sql,
        "INSERT INTO `documents` (`id`, `content`, `embedding`) VALUES (?, ?, VEC_FROM_TEXT(?)) \
         ON DUPLICATE KEY UPDATE `content` = VALUES(`content`), `embedding` = VALUES(`embedding`)"
    );
    // upsert_many: the multi-row INSERT with the same tail (VALUES(col) takes each row's own value).
    assert_eq!(
        d.insert_or_replace(&Product::SCHEMA, 2),
        "INSERT INTO `products` (`sku`, `text_vec`, `image_vec`) VALUES (?, VEC_FROM_TEXT(?), VEC_FROM_TEXT(?)), \
         (?, VEC_FROM_TEXT(?), VEC_FROM_TEXT(?)) ON DUPLICATE KEY UPDATE `text_vec` = VALUES(`text_vec`), \
         `image_vec` = VALUES(`image_vec`)"
    );
    assert_eq!(
        d.delete(&Document::SCHEMA, None).sql,
        "DELETE FROM `documents` WHERE `id` = ?"
    );
    assert_eq!(
        d.count(&Document::SCHEMA, None).sql,
        "SELECT COUNT(*) FROM `documents`"
    );
    assert_eq!(
        d.list_after(&Document::SCHEMA, false, 100).sql,
        "SELECT `id`, `content`, VEC_AS_TEXT(`embedding`) AS `embedding` FROM `documents` ORDER BY `id` LIMIT 100"
    );
    let page = d.list_after(&Document::SCHEMA, true, 100);
    assert_eq!(
        page.sql,
        "SELECT `id`, `content`, VEC_AS_TEXT(`embedding`) AS `embedding` FROM `documents` \
         WHERE `id` > ? ORDER BY `id` LIMIT 100"
    );
    assert_eq!(page.params, [Param::Key]);
}

#[test]
fn json_path_filters_stay_outside_the_candidate_query_with_their_paths_bound() {
    use crate::filter::{CmpOp, FilterNode};
    use crate::value::Value;
    // `f.meta.path("$.lang").eq("en") & f.meta.path("$.year").ge(2020) & !f.meta.path("$.draft").exists()`,
    // written as its tree (the `json` feature's builders make exactly these nodes).
    let filter = FilterNode::And(vec![
        FilterNode::JsonCompare {
            column: "meta",
            path: "$.lang".into(),
            op: CmpOp::Eq,
            value: Value::Text("en".into()),
        },
        FilterNode::JsonCompare {
            column: "meta",
            path: "$.year".into(),
            op: CmpOp::Ge,
            value: Value::Int(2020),
        },
        FilterNode::Not(Box::new(FilterNode::JsonExists {
            column: "meta",
            path: "$.draft".into(),
        })),
    ]);
    let options = SearchOptions {
        limit: 5,
        candidates: Some(50),
        ..SearchOptions::new()
    };
    let request = SearchRequest {
        filter: Some(&filter),
        ..SearchRequest::new(&options, &[])
    };
    let statement = tidb().search(&Filtered::SCHEMA, &request).unwrap();
    // The nearest-candidates query stays index-eligible (1.5); the JSON conditions filter its rows. TiDB's
    // JSON_TYPE names: INTEGER, UNSIGNED INTEGER, DOUBLE, STRING, BOOLEAN (pkg/types/json_binary_functions.go
    // `Type()` @9a5c882); CAST(.. AS DOUBLE) is in TiDB's CastType grammar (pkg/parser/parser.y); a NULL
    // column has no path (COALESCE of JSON_CONTAINS_PATH's NULL).
    assert_eq!(
        statement.sql,
        "SELECT * FROM (SELECT `id`, `year`, `lang`, `note`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
         VEC_COSINE_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` FROM `filtered` \
         ORDER BY `_distance` LIMIT 50) AS `_candidates` WHERE `_distance` IS NULL OR \
         (CASE WHEN JSON_TYPE(JSON_EXTRACT(`meta`, ?)) IN ('STRING') THEN JSON_UNQUOTE(JSON_EXTRACT(`meta`, ?)) \
         COLLATE utf8mb4_bin END = ? AND CASE WHEN JSON_TYPE(JSON_EXTRACT(`meta`, ?)) IN ('INTEGER', \
         'UNSIGNED INTEGER', 'DOUBLE') THEN CAST(JSON_EXTRACT(`meta`, ?) AS DOUBLE) END >= ? AND \
         NOT (COALESCE(JSON_CONTAINS_PATH(`meta`, 'one', ?), 0) = 1)) ORDER BY `_distance` LIMIT 5"
    );
    // Every path and value is bound; no text of the caller's is in the SQL.
    let path = |p: &str| Param::JsonPath {
        column: "meta",
        path: p.into(),
    };
    assert_eq!(
        statement.params[1..],
        [
            path("$.lang"),
            path("$.lang"),
            Param::Filter {
                column: "meta",
                value: Value::Text("en".into())
            },
            path("$.year"),
            path("$.year"),
            Param::Filter {
                column: "meta",
                value: Value::Int(2020)
            },
            path("$.draft"),
        ]
    );
    assert!(!statement.sql.contains('$'));
}

#[test]
fn many_searches_are_parts_of_one_union_each_in_the_index_shape() {
    let d = tidb();
    let options = SearchOptions {
        metric: Metric::L2,
        limit: 3,
        ..SearchOptions::new()
    };
    let one = d
        .search(&Document::SCHEMA, &SearchRequest::new(&options, &[]))
        .unwrap();
    let union = d.search_union(&[one.clone(), one]);
    // Each part is the single search's statement (1.1: the nearest-k query over the table, no WHERE) as a
    // derived table. EXPLAIN on TiDB v8.5.3 (standalone, no TiFlash) plans each branch as the single
    // search's plan: a TopN on the distance pushed down to the table reader (`TopN ... vec_l2_distance(..),
    // count:3` under `TableReader`), the operator a vector index serves; with no TiFlash here, annIndex
    // itself could not be seen.
    assert_eq!(
        union.sql,
        "SELECT `_s0`.*, 0 AS `_query` FROM (SELECT `id`, `content`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
         VEC_L2_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` FROM `documents` ORDER BY `_distance` \
         LIMIT 3) AS `_s0` UNION ALL SELECT `_s1`.*, 1 AS `_query` FROM (SELECT `id`, `content`, \
         VEC_AS_TEXT(`embedding`) AS `embedding`, VEC_L2_DISTANCE(`embedding`, VEC_FROM_TEXT(?)) AS `_distance` \
         FROM `documents` ORDER BY `_distance` LIMIT 3) AS `_s1` ORDER BY `_query`, `_distance`"
    );
    assert_eq!(union.params, [Param::Query, Param::Query]);
    // MariaDB's ef_search prefix goes once in front of the union.
    let mariadb = Dialect::of(Backend::MariaDb);
    let indexed = SearchOptions {
        ef_search: Some(40),
        ..options
    };
    let one = mariadb
        .search(&Article::SCHEMA, &SearchRequest::new(&indexed, &[]))
        .unwrap();
    let union = mariadb.search_union(&[one.clone(), one]);
    assert!(
        union
            .sql
            .starts_with("SET STATEMENT mhnsw_ef_search = 40 FOR SELECT `_s0`.*")
    );
    assert_eq!(union.sql.matches("SET STATEMENT").count(), 1);
}

#[derive(VectorModel)]
#[vector(table = "filtered")]
struct Filtered {
    year: i32,
    lang: String,
    note: Option<String>,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

/// A full-text field beside a vector field.
#[derive(VectorModel)]
#[vector(table = "notes")]
struct Note {
    year: i32,
    #[vector(fulltext)]
    body: String,
    #[vector(dimensions = 3)]
    embedding: Vec<f32>,
}

#[test]
fn full_text_statements() {
    use crate::value::Value;
    let f = Note::FIELDS;
    let filter = f.year.ge(2020);
    let column = Note::SCHEMA.fulltext_columns().next().unwrap();
    let words = ["it", "s", "DROP", "TABLE"];
    // TiDB Cloud Starter's DDL, after the table: one single-column index, MULTILINGUAL parser, with the
    // columnar replica it needs.
    assert!(!tidb().create_table(&Note::SCHEMA).contains("FULLTEXT"));
    assert_eq!(
        tidb().tidb_fulltext_indexes(&Note::SCHEMA, true),
        [(
            "ft_body".to_owned(),
            "ALTER TABLE `notes` ADD FULLTEXT INDEX `ft_body` (`body`) WITH PARSER MULTILINGUAL \
             ADD_COLUMNAR_REPLICA_ON_DEMAND"
                .to_owned()
        )]
    );
    // Elsewhere without the option (v8.5: 1064 at it; master: parsed and ignored, parser.y:6870-6875),
    // after `SET TIFLASH REPLICA 1` when the table has no replica, as pytidb does (ddl.py:10-37).
    assert_eq!(
        tidb().tidb_fulltext_indexes(&Note::SCHEMA, false)[0].1,
        "ALTER TABLE `notes` ADD FULLTEXT INDEX `ft_body` (`body`) WITH PARSER MULTILINGUAL"
    );
    assert_eq!(
        tidb().set_tiflash_replica(&Note::SCHEMA).as_deref(),
        Some("ALTER TABLE `notes` SET TIFLASH REPLICA 1")
    );
    // The documented query shape: the same FTS_MATCH_WORD in the select list, WHERE and ORDER BY; the
    // words inlined as a single-quoted literal (FTS_MATCH_WORD takes no bound parameter); the filter bound.
    let statement = tidb().text_search(&Note::SCHEMA, column, &words, Some(&filter.node), 5, true);
    assert_eq!(
        statement.sql,
        "SELECT `id`, `year`, `body`, VEC_AS_TEXT(`embedding`) AS `embedding`, \
         FTS_MATCH_WORD('it s DROP TABLE', `body`) AS `_score` FROM `notes` \
         WHERE FTS_MATCH_WORD('it s DROP TABLE', `body`) AND (`year` >= ?) \
         ORDER BY FTS_MATCH_WORD('it s DROP TABLE', `body`) DESC LIMIT 5"
    );
    let keys = tidb().text_search(&Note::SCHEMA, column, &words, None, 5, false);
    assert_eq!(
        keys.sql,
        "SELECT `id`, FTS_MATCH_WORD('it s DROP TABLE', `body`) AS `_score` FROM `notes` \
         WHERE FTS_MATCH_WORD('it s DROP TABLE', `body`) ORDER BY FTS_MATCH_WORD('it s DROP TABLE', `body`) DESC LIMIT 5"
    );
    assert_eq!(
        tidb().get_many(&Note::SCHEMA, 2).sql,
        "SELECT `id`, `year`, `body`, VEC_AS_TEXT(`embedding`) AS `embedding` FROM `notes` WHERE `id` IN (?, ?)"
    );
    assert_eq!(
        statement.params,
        [Param::Filter {
            column: "year",
            value: Value::Int(2020)
        }]
    );
    // TiDB refuses DROP TABLE while a full-text index exists.
    assert_eq!(
        tidb().fulltext_drops(&Note::SCHEMA),
        ["ALTER TABLE `notes` DROP INDEX `ft_body`"]
    );

    let mariadb = Dialect::of(Backend::MariaDb);
    assert!(
        mariadb
            .create_table(&Note::SCHEMA)
            .ends_with(", FULLTEXT INDEX `ft_body` (`body`))")
    );
    // MariaDB binds the text (twice: select list and WHERE).
    let statement = mariadb.text_search(&Note::SCHEMA, column, &words, None, 5, true);
    assert_eq!(
        statement.sql,
        "SELECT `id`, `year`, `body`, `embedding` AS `embedding`, MATCH(`body`) AGAINST(? IN NATURAL LANGUAGE MODE) AS `_score` \
         FROM `notes` WHERE MATCH(`body`) AGAINST(? IN NATURAL LANGUAGE MODE) ORDER BY `_score` DESC, `id` LIMIT 5"
    );
    let text = Param::Value(Value::Text("it s DROP TABLE".into()));
    assert_eq!(statement.params, [text.clone(), text]);
    // A hybrid search's text half reads keys and scores alone: InnoDB answers them from the full-text
    // index and its document-id index, without reading a matching row.
    let statement = mariadb.text_search(&Note::SCHEMA, column, &words, None, 5, false);
    assert_eq!(
        statement.sql,
        "SELECT `id`, MATCH(`body`) AGAINST(? IN NATURAL LANGUAGE MODE) AS `_score` \
         FROM `notes` WHERE MATCH(`body`) AGAINST(? IN NATURAL LANGUAGE MODE) ORDER BY `_score` DESC, `id` LIMIT 5"
    );
    // ... and then the rows of the fused ranking, by key.
    let rows = mariadb.get_many(&Note::SCHEMA, 3);
    assert_eq!(
        rows.sql,
        "SELECT `id`, `year`, `body`, `embedding` AS `embedding` FROM `notes` WHERE `id` IN (?, ?, ?)"
    );
    assert_eq!(
        rows.params,
        [Param::KeyAt(0), Param::KeyAt(1), Param::KeyAt(2)]
    );

    // SQLite: an external-content FTS5 table and three triggers; the words quoted, joined by OR, bound.
    let sqlite = Dialect::of(Backend::Sqlite);
    assert!(!sqlite.create_table(&Note::SCHEMA).contains("FULLTEXT"));
    assert_eq!(
        sqlite.fulltext_tables(&Note::SCHEMA),
        [
            "CREATE VIRTUAL TABLE IF NOT EXISTS `notes_fts_body` USING fts5(`body`, content=`notes`, content_rowid=`id`)",
            "CREATE TRIGGER IF NOT EXISTS `notes_fts_body_ai` AFTER INSERT ON `notes` BEGIN \
             INSERT INTO `notes_fts_body`(rowid, `body`) VALUES (new.`id`, new.`body`); END",
            "CREATE TRIGGER IF NOT EXISTS `notes_fts_body_ad` AFTER DELETE ON `notes` BEGIN \
             INSERT INTO `notes_fts_body`(`notes_fts_body`, rowid, `body`) VALUES ('delete', old.`id`, old.`body`); END",
            "CREATE TRIGGER IF NOT EXISTS `notes_fts_body_au` AFTER UPDATE ON `notes` BEGIN \
             INSERT INTO `notes_fts_body`(`notes_fts_body`, rowid, `body`) VALUES ('delete', old.`id`, old.`body`); \
             INSERT INTO `notes_fts_body`(rowid, `body`) VALUES (new.`id`, new.`body`); END",
        ]
    );
    let statement = sqlite.text_search(&Note::SCHEMA, column, &words, Some(&filter.node), 5, true);
    assert_eq!(
        statement.params[0],
        Param::Value(Value::Text(
            "\"it\" OR \"s\" OR \"DROP\" OR \"TABLE\"".into()
        ))
    );
    assert!(
        statement.sql.starts_with(
            "WITH `_matches` AS (SELECT rowid AS `_rowid`, -bm25(`notes_fts_body`) AS `_score` "
        ),
        "{}",
        statement.sql
    );
}

#[test]
fn lost_commit_and_stored_dimension_statements() {
    // A commit whose answer was lost is settled by reading its first row: a locking read that waits for
    // the committing transaction where the server locks rows (FOR UPDATE is accepted by TiDB, whose reads
    // resolve such a transaction's locks themselves; autocommit ignores the clause there).
    assert_eq!(
        tidb().row_exists(&Product::SCHEMA),
        "SELECT 1 FROM `products` WHERE `sku` = ? FOR UPDATE"
    );
    assert_eq!(
        Dialect::of(Backend::Sqlite).row_exists(&Product::SCHEMA),
        "SELECT 1 FROM `products` WHERE `sku` = ?"
    );
    // 2 (VEC_DIMS returns BIGINT): the dimensions of one stored vector, read when a search meets a
    // dimension mismatch.
    assert_eq!(
        tidb().stored_dimensions(&Document::SCHEMA),
        "SELECT CAST(VEC_DIMS(`embedding`) AS SIGNED) FROM `documents` WHERE `embedding` IS NOT NULL LIMIT 1"
    );
    assert_eq!(
        Dialect::of(Backend::MariaDb).stored_dimensions(&Document::SCHEMA),
        "SELECT CAST(LENGTH(`embedding`) DIV 4 AS SIGNED) FROM `documents` WHERE `embedding` IS NOT NULL LIMIT 1"
    );
}

/// TiDB Cloud's auto-embedding, as the quick start of its documentation writes it
/// (docs.pingcap.com/ai/vector-search-auto-embedding-overview).
#[derive(VectorModel)]
#[vector(table = "documents")]
struct AutoEmbedded {
    content: String,
    #[vector(
        dimensions = 1024,
        source = "content",
        embed_on_server = "tidbcloud_free/amazon/titan-embed-text-v2"
    )]
    content_vector: Option<Vec<f32>>,
}

#[test]
fn server_embedded_vectors() {
    let d = tidb();
    // The docs' table: `content_vector VECTOR(1024) GENERATED ALWAYS AS (EMBED_TEXT("<model>", content))
    // STORED`; the model in single quotes (a string under ANSI_QUOTES too).
    assert_eq!(
        d.create_table(&AutoEmbedded::SCHEMA),
        "CREATE TABLE IF NOT EXISTS `documents` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
         `content` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_bin NOT NULL, \
         `content_vector` VECTOR(1024) GENERATED ALWAYS AS \
         (EMBED_TEXT('tidbcloud_free/amazon/titan-embed-text-v2', `content`)) STORED)"
    );
    // The docs' insert names the text alone: a generated column takes no value.
    assert_eq!(
        d.insert(&AutoEmbedded::SCHEMA, 2),
        "INSERT INTO `documents` (`content`) VALUES (?), (?)"
    );
    let update = d.update(&AutoEmbedded::SCHEMA);
    assert_eq!(
        update.sql,
        "UPDATE `documents` SET `content` = ? WHERE `id` = ?"
    );
    assert_eq!(update.params, [Param::Field(0), Param::Key]);
    // Reads give the stored vector back as any vector column's.
    assert_eq!(
        d.get(&AutoEmbedded::SCHEMA).sql,
        "SELECT `id`, `content`, VEC_AS_TEXT(`content_vector`) AS `content_vector` FROM `documents` WHERE `id` = ?"
    );
    // The docs' search: `ORDER BY VEC_EMBED_COSINE_DISTANCE(content_vector, "<text>") LIMIT 3`, the text
    // bound here; L2 with `VEC_EMBED_L2_DISTANCE`; a threshold outside the candidates, as for vectors.
    let search = AutoEmbedded::search_server_semantic("Renewable energy solutions")
        .limit(3)
        .statement(Backend::TiDb)
        .unwrap();
    assert_eq!(
        search.sql,
        "SELECT `id`, `content`, VEC_AS_TEXT(`content_vector`) AS `content_vector`, \
         VEC_EMBED_COSINE_DISTANCE(`content_vector`, ?) AS `_distance` FROM `documents` \
         ORDER BY `_distance` LIMIT 3"
    );
    assert_eq!(search.params, [Param::Query]);
    let within = AutoEmbedded::search_server_semantic("solar")
        .metric(Metric::L2)
        .max_distance(0.8)
        .statement(Backend::TiDb)
        .unwrap();
    assert_eq!(
        within.sql,
        "SELECT * FROM (SELECT `id`, `content`, VEC_AS_TEXT(`content_vector`) AS `content_vector`, \
         VEC_EMBED_L2_DISTANCE(`content_vector`, ?) AS `_distance` FROM `documents` \
         ORDER BY `_distance` LIMIT 100) AS `_candidates` WHERE `_distance` IS NULL OR `_distance` < ? \
         ORDER BY `_distance` LIMIT 10"
    );
    assert_eq!(within.params, [Param::Query, Param::MaxDistance]);
    // What only TiDB Cloud has: refused elsewhere before any SQL; the metrics it does not embed for; a
    // literal search; a model's vector that the server does not embed.
    for backend in [Backend::MariaDb, Backend::Sqlite] {
        assert!(
            matches!(AutoEmbedded::ddl(backend), Err(crate::Error::Unsupported { ref what, .. }) if what.contains("`content_vector`")),
            "{backend:?}"
        );
        assert!(matches!(
            AutoEmbedded::search_server_semantic("x").statement(backend),
            Err(crate::Error::Unsupported { .. })
        ));
    }
    assert!(matches!(
        AutoEmbedded::search_server_semantic("x")
            .metric(Metric::L1)
            .statement(Backend::TiDb),
        Err(crate::Error::Unsupported { .. })
    ));
    for refused in [
        AutoEmbedded::search_server_semantic("x").literal(),
        AutoEmbedded::search_server_semantic("  "),
    ] {
        assert!(matches!(
            refused.statement(Backend::TiDb),
            Err(crate::Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        Document::search_server_semantic("dog").statement(Backend::TiDb),
        Err(crate::Error::InvalidArgument(ref why)) if why.contains("`embedding` of `documents` is not one")
    ));
}
