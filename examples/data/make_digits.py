#!/usr/bin/python3
"""Writes examples/data/digits.csv from scikit-learn's bundled copy of the UCI Optical Recognition of
Handwritten Digits test set (1797 8x8 images, pixels 0..16; CC BY 4.0). No download: the data ships
inside scikit-learn. Run: /usr/bin/python3 examples/data/make_digits.py
"""
import csv
import os

import sklearn
from sklearn.datasets import load_digits

HERE = os.path.dirname(os.path.abspath(__file__))

digits = load_digits()
with open(os.path.join(HERE, 'digits.csv'), 'w', newline='') as f:
    writer = csv.writer(f, lineterminator='\n')
    writer.writerow([f'p{k}' for k in range(64)] + ['label'])
    for pixels, label in zip(digits.data, digits.target):
        writer.writerow([int(p) for p in pixels] + [int(label)])
print(f'wrote {len(digits.target)} rows with scikit-learn {sklearn.__version__}')
