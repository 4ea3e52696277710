"""The test suite, laid out as the package it tests: tests/core/ for kgprep/core/, tests/extract/
for kgprep/extract/ and so on; tests/tools/ for the product tools beside the stages (loader,
validate, report, cost, query, carb), and end-to-end and CLI tests here at the top. Each folder is
a package, so test modules import as tests.<folder>.<module> and equal names never collide."""
