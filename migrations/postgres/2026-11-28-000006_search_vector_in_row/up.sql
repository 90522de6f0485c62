-- Ranking a search reads the search vector of every hit. Stored out of line (TOAST), each
-- read costs an index lookup and two chunk fetches, which at 1,000 hits is most of the
-- query. MAIN keeps the vector in the row unless the row outgrows a page.
--
-- The short columns are MAIN too. Without that, a row still over the 2 KB toast target once
-- the body and its HTML have moved out would push every remaining text column out next,
-- id and title included, and a list would pay a TOAST fetch for each of them.
ALTER TABLE articles
    ALTER COLUMN search_vector SET STORAGE MAIN,
    ALTER COLUMN id SET STORAGE MAIN,
    ALTER COLUMN slug SET STORAGE MAIN,
    ALTER COLUMN title SET STORAGE MAIN,
    ALTER COLUMN title_key SET STORAGE MAIN,
    ALTER COLUMN subtitle SET STORAGE MAIN,
    ALTER COLUMN excerpt SET STORAGE MAIN,
    ALTER COLUMN status SET STORAGE MAIN,
    ALTER COLUMN author_id SET STORAGE MAIN,
    ALTER COLUMN category_id SET STORAGE MAIN,
    ALTER COLUMN cover_image_url SET STORAGE MAIN,
    ALTER COLUMN created_by SET STORAGE MAIN;

-- Storage applies to rows as they are written: rewrite the vectors (the trigger, which
-- watches the text columns, does not fire).
UPDATE articles SET search_vector = search_vector || ''::tsvector;
