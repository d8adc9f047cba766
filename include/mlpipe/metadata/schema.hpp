// mlpipe/metadata/schema.hpp: ML Metadata's relational schema, version 10, for SQLite and MySQL/MariaDB.
// Table for table and column for column as ML Metadata creates it, with its unique constraints and indexes.
#pragma once

#include <array>
#include <string_view>

namespace mlpipe::metadata {

/// The SQL dialect of a backend.
enum class dialect { sqlite, mysql };

/// The 15 tables, in creation order.
inline constexpr std::array<std::string_view, 15> schema_tables = {
    "Type", "ParentType", "TypeProperty", "Artifact", "ArtifactProperty", "Execution", "ExecutionProperty",
    "Context", "ContextProperty", "ParentContext", "Event", "EventPath", "Association", "Attribution", "MLMDEnv"};

namespace detail {

// One CREATE TABLE per table (same order as schema_tables). Column lists and constraints are ML Metadata's
// (ml_metadata/util/metadata_source_query_config.cc, schema_version 10).
inline constexpr std::array<std::string_view, 15> sqlite_tables = {
    "CREATE TABLE IF NOT EXISTS `Type` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `name` VARCHAR(255) NOT NULL, "
    "`version` VARCHAR(255), `type_kind` TINYINT(1) NOT NULL, `description` TEXT, `input_type` TEXT, "
    "`output_type` TEXT, `external_id` VARCHAR(255) UNIQUE )",
    "CREATE TABLE IF NOT EXISTS `ParentType` ( `type_id` INT NOT NULL, `parent_type_id` INT NOT NULL, "
    "PRIMARY KEY (`type_id`, `parent_type_id`))",
    "CREATE TABLE IF NOT EXISTS `TypeProperty` ( `type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`data_type` INT NULL, PRIMARY KEY (`type_id`, `name`))",
    "CREATE TABLE IF NOT EXISTS `Artifact` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, "
    "`uri` TEXT, `state` INT, `name` VARCHAR(255), `external_id` VARCHAR(255) UNIQUE, "
    "`create_time_since_epoch` INT NOT NULL DEFAULT 0, `last_update_time_since_epoch` INT NOT NULL DEFAULT 0, "
    "UNIQUE(`type_id`, `name`) )",
    "CREATE TABLE IF NOT EXISTS `ArtifactProperty` ( `artifact_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, "
    "`byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN, "
    "PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`))",
    "CREATE TABLE IF NOT EXISTS `Execution` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, "
    "`last_known_state` INT, `name` VARCHAR(255), `external_id` VARCHAR(255) UNIQUE, "
    "`create_time_since_epoch` INT NOT NULL DEFAULT 0, `last_update_time_since_epoch` INT NOT NULL DEFAULT 0, "
    "UNIQUE(`type_id`, `name`) )",
    "CREATE TABLE IF NOT EXISTS `ExecutionProperty` ( `execution_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, "
    "`byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN, "
    "PRIMARY KEY (`execution_id`, `name`, `is_custom_property`))",
    "CREATE TABLE IF NOT EXISTS `Context` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `type_id` INT NOT NULL, "
    "`name` VARCHAR(255) NOT NULL, `external_id` VARCHAR(255) UNIQUE, "
    "`create_time_since_epoch` INT NOT NULL DEFAULT 0, `last_update_time_since_epoch` INT NOT NULL DEFAULT 0, "
    "UNIQUE(`type_id`, `name`) )",
    "CREATE TABLE IF NOT EXISTS `ContextProperty` ( `context_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` TEXT, "
    "`byte_value` BLOB, `proto_value` BLOB, `bool_value` BOOLEAN, "
    "PRIMARY KEY (`context_id`, `name`, `is_custom_property`))",
    "CREATE TABLE IF NOT EXISTS `ParentContext` ( `context_id` INT NOT NULL, `parent_context_id` INT NOT NULL, "
    "PRIMARY KEY (`context_id`, `parent_context_id`))",
    "CREATE TABLE IF NOT EXISTS `Event` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, `artifact_id` INT NOT NULL, "
    "`execution_id` INT NOT NULL, `type` INT NOT NULL, `milliseconds_since_epoch` INT, "
    "UNIQUE(`artifact_id`, `execution_id`, `type`) )",
    "CREATE TABLE IF NOT EXISTS `EventPath` ( `event_id` INT NOT NULL, `is_index_step` TINYINT(1) NOT NULL, "
    "`step_index` INT, `step_key` TEXT )",
    "CREATE TABLE IF NOT EXISTS `Association` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, "
    "`context_id` INT NOT NULL, `execution_id` INT NOT NULL, UNIQUE(`context_id`, `execution_id`) )",
    "CREATE TABLE IF NOT EXISTS `Attribution` ( `id` INTEGER PRIMARY KEY AUTOINCREMENT, "
    "`context_id` INT NOT NULL, `artifact_id` INT NOT NULL, UNIQUE(`context_id`, `artifact_id`) )",
    "CREATE TABLE IF NOT EXISTS `MLMDEnv` ( `schema_version` INTEGER PRIMARY KEY )",
};

inline constexpr std::array<std::string_view, 24> sqlite_indexes = {
    "CREATE INDEX IF NOT EXISTS `idx_artifact_uri` ON `Artifact`(`uri`)",
    "CREATE INDEX IF NOT EXISTS `idx_artifact_create_time_since_epoch` ON `Artifact`(`create_time_since_epoch`)",
    "CREATE INDEX IF NOT EXISTS `idx_artifact_last_update_time_since_epoch` ON `Artifact`(`last_update_time_since_epoch`)",
    "CREATE INDEX IF NOT EXISTS `idx_event_execution_id` ON `Event`(`execution_id`)",
    "CREATE INDEX IF NOT EXISTS `idx_parentcontext_parent_context_id` ON `ParentContext`(`parent_context_id`)",
    "CREATE INDEX IF NOT EXISTS `idx_type_name` ON `Type`(`name`)",
    "CREATE INDEX IF NOT EXISTS `idx_execution_create_time_since_epoch` ON `Execution`(`create_time_since_epoch`)",
    "CREATE INDEX IF NOT EXISTS `idx_execution_last_update_time_since_epoch` ON `Execution`(`last_update_time_since_epoch`)",
    "CREATE INDEX IF NOT EXISTS `idx_context_create_time_since_epoch` ON `Context`(`create_time_since_epoch`)",
    "CREATE INDEX IF NOT EXISTS `idx_context_last_update_time_since_epoch` ON `Context`(`last_update_time_since_epoch`)",
    "CREATE INDEX IF NOT EXISTS `idx_eventpath_event_id` ON `EventPath`(`event_id`)",
    "CREATE INDEX IF NOT EXISTS `idx_artifact_property_int` ON `ArtifactProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_artifact_property_double` ON `ArtifactProperty`(`name`, `is_custom_property`, `double_value`) WHERE `double_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_artifact_property_string` ON `ArtifactProperty`(`name`, `is_custom_property`, `string_value`) WHERE `string_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_execution_property_int` ON `ExecutionProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_execution_property_double` ON `ExecutionProperty`(`name`, `is_custom_property`, `double_value`) WHERE `double_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_execution_property_string` ON `ExecutionProperty`(`name`, `is_custom_property`, `string_value`) WHERE `string_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_context_property_int` ON `ContextProperty`(`name`, `is_custom_property`, `int_value`) WHERE `int_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_context_property_double` ON `ContextProperty`(`name`, `is_custom_property`, `double_value`) WHERE `double_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_context_property_string` ON `ContextProperty`(`name`, `is_custom_property`, `string_value`) WHERE `string_value` IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS `idx_type_external_id` ON `Type`(`external_id`)",
    "CREATE INDEX IF NOT EXISTS `idx_artifact_external_id` ON `Artifact`(`external_id`)",
    "CREATE INDEX IF NOT EXISTS `idx_execution_external_id` ON `Execution`(`external_id`)",
    "CREATE INDEX IF NOT EXISTS `idx_context_external_id` ON `Context`(`external_id`)",
};

// MySQL/MariaDB: ML Metadata's MySQL variants (AUTO_INCREMENT, BIGINT times, MEDIUMTEXT/MEDIUMBLOB values,
// named unique constraints). The table option (utf8mb4, binary collation) is mlpipe's: it makes Unicode
// round-trip and names compare byte for byte whatever the database's default character set.
#define MLPIPE_MYSQL_TABLE_OPTIONS " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
inline constexpr std::array<std::string_view, 15> mysql_tables = {
    "CREATE TABLE IF NOT EXISTS `Type` ( `id` INT PRIMARY KEY AUTO_INCREMENT, `name` VARCHAR(255) NOT NULL, "
    "`version` VARCHAR(255), `type_kind` TINYINT(1) NOT NULL, `description` TEXT, `input_type` TEXT, "
    "`output_type` TEXT, `external_id` VARCHAR(255) UNIQUE )" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `ParentType` ( `type_id` INT NOT NULL, `parent_type_id` INT NOT NULL, "
    "PRIMARY KEY (`type_id`, `parent_type_id`))" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `TypeProperty` ( `type_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`data_type` INT NULL, PRIMARY KEY (`type_id`, `name`))" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `Artifact` ( `id` INTEGER PRIMARY KEY AUTO_INCREMENT, `type_id` INT NOT NULL, "
    "`uri` TEXT, `state` INT, `name` VARCHAR(255), `external_id` VARCHAR(255) UNIQUE, "
    "`create_time_since_epoch` BIGINT NOT NULL DEFAULT 0, `last_update_time_since_epoch` BIGINT NOT NULL DEFAULT 0, "
    "CONSTRAINT UniqueArtifactTypeName UNIQUE(`type_id`, `name`) )" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `ArtifactProperty` ( `artifact_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` MEDIUMTEXT, "
    "`byte_value` MEDIUMBLOB, `proto_value` MEDIUMBLOB, `bool_value` BOOLEAN, "
    "PRIMARY KEY (`artifact_id`, `name`, `is_custom_property`))" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `Execution` ( `id` INTEGER PRIMARY KEY AUTO_INCREMENT, `type_id` INT NOT NULL, "
    "`last_known_state` INT, `name` VARCHAR(255), `external_id` VARCHAR(255) UNIQUE, "
    "`create_time_since_epoch` BIGINT NOT NULL DEFAULT 0, `last_update_time_since_epoch` BIGINT NOT NULL DEFAULT 0, "
    "CONSTRAINT UniqueExecutionTypeName UNIQUE(`type_id`, `name`) )" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `ExecutionProperty` ( `execution_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` MEDIUMTEXT, "
    "`byte_value` MEDIUMBLOB, `proto_value` MEDIUMBLOB, `bool_value` BOOLEAN, "
    "PRIMARY KEY (`execution_id`, `name`, `is_custom_property`))" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `Context` ( `id` INTEGER PRIMARY KEY AUTO_INCREMENT, `type_id` INT NOT NULL, "
    "`name` VARCHAR(255) NOT NULL, `external_id` VARCHAR(255) UNIQUE, "
    "`create_time_since_epoch` BIGINT NOT NULL DEFAULT 0, `last_update_time_since_epoch` BIGINT NOT NULL DEFAULT 0, "
    "UNIQUE(`type_id`, `name`) )" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `ContextProperty` ( `context_id` INT NOT NULL, `name` VARCHAR(255) NOT NULL, "
    "`is_custom_property` TINYINT(1) NOT NULL, `int_value` INT, `double_value` DOUBLE, `string_value` MEDIUMTEXT, "
    "`byte_value` MEDIUMBLOB, `proto_value` MEDIUMBLOB, `bool_value` BOOLEAN, "
    "PRIMARY KEY (`context_id`, `name`, `is_custom_property`))" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `ParentContext` ( `context_id` INT NOT NULL, `parent_context_id` INT NOT NULL, "
    "PRIMARY KEY (`context_id`, `parent_context_id`))" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `Event` ( `id` INTEGER PRIMARY KEY AUTO_INCREMENT, `artifact_id` INT NOT NULL, "
    "`execution_id` INT NOT NULL, `type` INT NOT NULL, `milliseconds_since_epoch` BIGINT, "
    "CONSTRAINT UniqueEvent UNIQUE(`artifact_id`, `execution_id`, `type`) )" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `EventPath` ( `event_id` INT NOT NULL, `is_index_step` TINYINT(1) NOT NULL, "
    "`step_index` INT, `step_key` TEXT )" MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `Association` ( `id` INTEGER PRIMARY KEY AUTO_INCREMENT, "
    "`context_id` INT NOT NULL, `execution_id` INT NOT NULL, UNIQUE(`context_id`, `execution_id`) )"
    MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `Attribution` ( `id` INTEGER PRIMARY KEY AUTO_INCREMENT, "
    "`context_id` INT NOT NULL, `artifact_id` INT NOT NULL, UNIQUE(`context_id`, `artifact_id`) )"
    MLPIPE_MYSQL_TABLE_OPTIONS,
    "CREATE TABLE IF NOT EXISTS `MLMDEnv` ( `schema_version` INTEGER PRIMARY KEY )" MLPIPE_MYSQL_TABLE_OPTIONS,
};
#undef MLPIPE_MYSQL_TABLE_OPTIONS

// MySQL indexes only on prefixes of long strings (255 characters), as ML Metadata does.
inline constexpr std::array<std::string_view, 11> mysql_indexes = {
    "ALTER TABLE `Artifact` ADD INDEX IF NOT EXISTS `idx_artifact_uri`(`uri`(255)), "
    "ADD INDEX IF NOT EXISTS `idx_artifact_create_time_since_epoch` (`create_time_since_epoch`), "
    "ADD INDEX IF NOT EXISTS `idx_artifact_last_update_time_since_epoch` (`last_update_time_since_epoch`)",
    "ALTER TABLE `Event` ADD INDEX IF NOT EXISTS `idx_event_execution_id` (`execution_id`)",
    "ALTER TABLE `ParentContext` ADD INDEX IF NOT EXISTS `idx_parentcontext_parent_context_id` (`parent_context_id`)",
    "ALTER TABLE `Type` ADD INDEX IF NOT EXISTS `idx_type_name` (`name`), "
    "ADD INDEX IF NOT EXISTS `idx_type_external_id` (`external_id`)",
    "ALTER TABLE `Execution` ADD INDEX IF NOT EXISTS `idx_execution_create_time_since_epoch` (`create_time_since_epoch`), "
    "ADD INDEX IF NOT EXISTS `idx_execution_last_update_time_since_epoch` (`last_update_time_since_epoch`), "
    "ADD INDEX IF NOT EXISTS `idx_execution_external_id` (`external_id`)",
    "ALTER TABLE `Context` ADD INDEX IF NOT EXISTS `idx_context_create_time_since_epoch` (`create_time_since_epoch`), "
    "ADD INDEX IF NOT EXISTS `idx_context_last_update_time_since_epoch` (`last_update_time_since_epoch`), "
    "ADD INDEX IF NOT EXISTS `idx_context_external_id` (`external_id`)",
    "ALTER TABLE `EventPath` ADD INDEX IF NOT EXISTS `idx_eventpath_event_id`(`event_id`)",
    "ALTER TABLE `Artifact` ADD INDEX IF NOT EXISTS `idx_artifact_external_id` (`external_id`)",
    "ALTER TABLE `ArtifactProperty` ADD INDEX IF NOT EXISTS `idx_artifact_property_int`(`name`, `is_custom_property`, `int_value`), "
    "ADD INDEX IF NOT EXISTS `idx_artifact_property_double`(`name`, `is_custom_property`, `double_value`), "
    "ADD INDEX IF NOT EXISTS `idx_artifact_property_string`(`name`, `is_custom_property`, `string_value`(255))",
    "ALTER TABLE `ExecutionProperty` ADD INDEX IF NOT EXISTS `idx_execution_property_int`(`name`, `is_custom_property`, `int_value`), "
    "ADD INDEX IF NOT EXISTS `idx_execution_property_double`(`name`, `is_custom_property`, `double_value`), "
    "ADD INDEX IF NOT EXISTS `idx_execution_property_string`(`name`, `is_custom_property`, `string_value`(255))",
    "ALTER TABLE `ContextProperty` ADD INDEX IF NOT EXISTS `idx_context_property_int`(`name`, `is_custom_property`, `int_value`), "
    "ADD INDEX IF NOT EXISTS `idx_context_property_double`(`name`, `is_custom_property`, `double_value`), "
    "ADD INDEX IF NOT EXISTS `idx_context_property_string`(`name`, `is_custom_property`, `string_value`(255))",
};

}  // namespace detail
}  // namespace mlpipe::metadata
