// linkwatch graph export. Handling: OFFICIAL-SENSITIVE
// Neo4j 5. Copy the CSV files into the server's import folder
// (server.directories.import), then: cypher-shell -f neo4j_load.cypher
// (in Neo4j Browser, prefix each CALL ... IN TRANSACTIONS statement with :auto)
CREATE CONSTRAINT linkwatch_entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_report.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Report, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling, n.report_kind = row.`report_kind`, n.reported_at = datetime(row.`reported_at:datetime`), n.force = row.`force`, n.markers = split(row.`markers:string[]`, ';'), n.weapons = row.`weapons`, n.channel = row.`channel`
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_person.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Person, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling, n.roles = split(row.`roles:string[]`, ';'), n.flags = split(row.`flags:string[]`, ';'), n.age = row.`age`
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_phone.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Phone, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_email.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Email, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_address.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Address, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_url.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Url, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_vehicle.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Vehicle, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_domain.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Domain, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_ip.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Ip, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling, n.asn = toInteger(row.`asn:long`)
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_hash.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Hash, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_nodes_wallet.csv' AS row
CALL (row) {
  MERGE (n:Entity {id: row.`id:ID`})
  SET n:Wallet, n.kind = row.kind, n.label = row.label, n.first_seen = datetime(row.`first_seen:datetime`), n.last_seen = datetime(row.`last_seen:datetime`), n.report_ids = split(row.`report_ids:string[]`, ';'), n.handling = row.handling
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'CONTACTED'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:CONTACTED]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'CO_OFFENDER'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:CO_OFFENDER]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'INVOLVED'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:INVOLVED]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'LIVES_AT'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:LIVES_AT]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'MENTIONS'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:MENTIONS]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'USES_EMAIL'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:USES_EMAIL]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'USES_IDENTIFIER'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:USES_IDENTIFIER]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;

LOAD CSV WITH HEADERS FROM 'file:///neo4j_relationships.csv' AS row
WITH row WHERE row.`:TYPE` = 'USES_PHONE'
CALL (row) {
  MATCH (a:Entity {id: row.`:START_ID`}), (b:Entity {id: row.`:END_ID`})
  MERGE (a)-[r:USES_PHONE]->(b)
  SET r.first_seen = datetime(row.`first_seen:datetime`), r.last_seen = datetime(row.`last_seen:datetime`), r.report_ids = split(row.`report_ids:string[]`, ';'), r.handling = row.handling, r.role = row.`role`, r.weight = toInteger(row.`weight:long`), r.confirmed = row.`confirmed`, r.seen_on = split(row.`seen_on:string[]`, ';')
} IN TRANSACTIONS OF 1000 ROWS;
