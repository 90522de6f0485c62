#!/usr/bin/env python3
"""Writes a synthetic WordPress export (WXR 1.2) of N posts to standard output: 200
authors, 20 categories (some nested), 500 tags, classic-editor HTML bodies of about 3 KB
with links, lists, a caption shortcode now and then, and permalinks /yyyy/mm/dd/slug/.
Deterministic for a given N. Usage: bench/wxr.py N > site.xml"""
import random
import sys
from datetime import datetime, timedelta

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
rng = random.Random(42)
out = sys.stdout
WORDS = ("grain wheat market astana almaty oil export bank rate tenge budget harvest port "
         "rail freight minister talks growth inflation bond yield steel copper gas pipeline "
         "region province court ruling election council school hospital weather snow river").split()

def sentence(k):
    return " ".join(rng.choice(WORDS) for _ in range(k)).capitalize() + "."

out.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" '
          'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
          'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" '
          'xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
          '<title>Synthetic News</title><link>https://old.example.com</link>\n'
          '<wp:wxr_version>1.2</wp:wxr_version>\n'
          '<wp:base_site_url>https://old.example.com</wp:base_site_url>\n')
for i in range(200):
    out.write(f'<wp:author><wp:author_id>{i + 1}</wp:author_id><wp:author_login>reporter{i}</wp:author_login>'
              f'<wp:author_email>r{i}@old.example.com</wp:author_email>'
              f'<wp:author_display_name><![CDATA[Reporter {i}]]></wp:author_display_name></wp:author>\n')
for i in range(20):
    parent = f"section-{i // 5 * 5}" if i % 5 else ""
    out.write(f'<wp:category><wp:term_id>{i + 1}</wp:term_id><wp:category_nicename>section-{i}</wp:category_nicename>'
              f'<wp:category_parent>{parent}</wp:category_parent><wp:cat_name><![CDATA[Section {i}]]></wp:cat_name></wp:category>\n')
for i in range(500):
    out.write(f'<wp:tag><wp:term_id>{1000 + i}</wp:term_id><wp:tag_slug>topic-{i}</wp:tag_slug>'
              f'<wp:tag_name><![CDATA[Topic {i}]]></wp:tag_name></wp:tag>\n')
start = datetime(2010, 1, 1)
for i in range(n):
    when = start + timedelta(minutes=7 * i)
    slug = f"story-{i}-{rng.choice(WORDS)}"
    paragraphs = [f"<p>{sentence(20)} <a href=\"https://example.org/{i}\">{sentence(3)}</a> {sentence(25)}</p>"
                  for _ in range(6)]
    paragraphs.insert(2, "<ul>" + "".join(f"<li>{sentence(6)}</li>" for _ in range(3)) + "</ul>")
    if i % 10 == 0:
        paragraphs.insert(1, f'[caption id="attachment_{i}" width="640"]<img src="https://old.example.com/wp-content/uploads/{i}.jpg" alt="Photo {i}" /> {sentence(6)}[/caption]')
    status = "publish" if i % 20 else rng.choice(["draft", "pending", "private"])
    date = when.strftime("%Y-%m-%d %H:%M:%S")
    terms = f'<category domain="category" nicename="section-{i % 20}"><![CDATA[Section {i % 20}]]></category>'
    for t in rng.sample(range(500), 3):
        terms += f'<category domain="post_tag" nicename="topic-{t}"><![CDATA[Topic {t}]]></category>'
    link = f"https://old.example.com/{when:%Y/%m/%d}/{slug}/"
    out.write(f'<item><title><![CDATA[{sentence(6)[:-1]} {i}]]></title><link>{link}</link>'
              f'<dc:creator><![CDATA[reporter{i % 200}]]></dc:creator>'
              f'<guid isPermaLink="false">https://old.example.com/?p={i + 10}</guid>'
              f'<content:encoded><![CDATA[{"".join(paragraphs)}]]></content:encoded>'
              f'<excerpt:encoded><![CDATA[{sentence(15)}]]></excerpt:encoded>'
              f'<wp:post_id>{i + 10}</wp:post_id><wp:post_date>{date}</wp:post_date>'
              f'<wp:post_date_gmt>{date}</wp:post_date_gmt><wp:post_name>{slug}</wp:post_name>'
              f'<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type>'
              f'<wp:is_sticky>0</wp:is_sticky>{terms}</item>\n')
out.write("</channel>\n</rss>\n")
