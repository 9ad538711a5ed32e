"""The admins' authoring pages at /author/, in the product's own look (DESIGN §12)."""
