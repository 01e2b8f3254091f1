-- Source births kept as the source wrote them: a cell the typed column cannot hold
-- (an ID number with a wrong check digit, a 15-digit number, a date that cannot
-- exist, a village the region tree does not know) is kept in its raw_ column, and
-- flags names why (comma-separated SourceFlag names). A birth date may be missing
-- (then raw_birth_date holds what was written, if anything).
ALTER TABLE source_births ALTER COLUMN birth_date DROP NOT NULL;
ALTER TABLE source_births ADD COLUMN raw_child_sex TEXT;
ALTER TABLE source_births ADD COLUMN raw_birth_date TEXT;
ALTER TABLE source_births ADD COLUMN raw_birth_order TEXT;
ALTER TABLE source_births ADD COLUMN raw_mother_id_number TEXT;
ALTER TABLE source_births ADD COLUMN raw_mother_birth_date TEXT;
ALTER TABLE source_births ADD COLUMN raw_father_id_number TEXT;
ALTER TABLE source_births ADD COLUMN raw_region_code TEXT;
ALTER TABLE source_births ADD COLUMN flags TEXT NOT NULL DEFAULT '';
