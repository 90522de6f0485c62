DROP INDEX articles_category_public_idx;
DROP INDEX articles_public_id_idx;
