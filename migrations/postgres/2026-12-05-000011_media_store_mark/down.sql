DROP TABLE media_store_marks;
