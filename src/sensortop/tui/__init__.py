"""The Textual dashboard. The only package in sensortop that imports Textual."""
