DROP TABLE imported_urls;
